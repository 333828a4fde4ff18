package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A charge that is refused writes nothing: no row in any table (so no attacker-chosen path is recorded), no commit,
 * no journal record. The {@code resources} table grows only with charges.
 */
final class SqliteLedgerRefusalsTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @TempDir
    Path dir;

    /** {@code PRAGMA data_version} of a connection of its own: it changes whenever another connection commits. */
    private static long dataVersion(Connection watcher) throws Exception {
        try (Statement st = watcher.createStatement(); ResultSet rs = st.executeQuery("PRAGMA data_version")) {
            return rs.getLong(1);
        }
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            return rs.getLong(1);
        }
    }

    @Test
    void refusedChargesOnRandomPathsWriteNothing() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount spent = scrip("spent", 100);
        ScripAccount tooSmall = scrip("too-small", 5);
        ChainAccount chain = SqliteLedgerChainTest.chain("chain", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file); Connection watcher = LedgerFixtures.connect(file)) {
            assertThat(ledger.charge(spent, 100, "/articles/1")).isInstanceOf(ChargeResult.Charged.class);
            ChargeResult paid = ledger.chargeChain(chain, ledger.chainHead(chain), 1, LedgerKillChild.word(1), 10,
                    "/live/1");
            assertThat(paid).isInstanceOf(ChargeResult.Charged.class);
            ledger.unsettled(0); // folds both in: from here on, nothing is left to write
            long mark = ledger.journalMark();
            long version = dataVersion(watcher);
            long resources = count(watcher, "resources");
            long scrip = count(watcher, "scrip");

            for (int i = 0; i < 500; i++) {
                String random = UUID.randomUUID().toString();
                assertThat(ledger.charge(spent, 10, "/articles/" + random))
                        .isEqualTo(new ChargeResult.Insufficient(0));
                assertThat(ledger.chargeStream(spent, 10, "/videos/" + random, NOW, NOW.plusSeconds(60)))
                        .isEqualTo(new ChargeResult.Insufficient(0));
                // First seen, but its whole budget cannot pay: not even its row is recorded.
                assertThat(ledger.charge(tooSmall, 10, "/articles/" + random))
                        .isEqualTo(new ChargeResult.Insufficient(5));
                ChainHead head = ledger.chainHead(chain);
                assertThat(ledger.chargeChain(chain, head, 1, LedgerKillChild.word(1), 10, "/live/" + random))
                        .isEqualTo(new ChargeResult.Insufficient(0));
            }

            assertThat(ledger.journalMark()).isEqualTo(mark);
            assertThat(dataVersion(watcher)).as("another connection committed").isEqualTo(version);
            assertThat(count(watcher, "resources")).isEqualTo(resources).isEqualTo(2);
            assertThat(count(watcher, "scrip")).isEqualTo(scrip).isEqualTo(1);
            assertThat(ledger.remaining(tooSmall)).isEqualTo(5);
        }
        assertThat(LedgerFixtures.charges(file)).hasSize(2);
        assertThat(LedgerFixtures.stored(file, "too-small")).isNull();
    }

    @Test
    void aPaidChargeRecordsItsPathOnce() throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount scrip = scrip("payer", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            assertThat(ledger.charge(scrip, 10, "/articles/new")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.chargeStream(scrip, 10, "/videos/new", NOW, NOW.plusSeconds(60)))
                    .isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.charge(scrip, 10, "/articles/new")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.chargeStream(scrip, 10, "/videos/new", NOW, NOW.plusSeconds(60)))
                    .isInstanceOf(ChargeResult.Entitled.class);
        }
        try (Connection c = LedgerFixtures.connect(file)) {
            assertThat(count(c, "resources")).isEqualTo(2);
        }
        assertThat(LedgerFixtures.charges(file).values()).extracting(LedgerFixtures.StoredCharge::amount)
                .containsExactlyInAnyOrder(10L, 10L, 10L);
    }

    @Test
    void aBuyerWithoutEntitlementsReadsTheStoreOncePerKeyAndAPurchaseIsSeenAtOnce() throws Exception {
        ScripAccount spent = scrip("spent", 100);
        ScripAccount buyer = scrip("buyer", 100);
        String[] passes = {"pass day", "pass week", "pass month"};
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            assertThat(ledger.charge(spent, 100, "/articles/1")).isInstanceOf(ChargeResult.Charged.class);
            for (int i = 0; i < 200; i++) {
                for (String pass : passes) {
                    assertThat(ledger.chargeStream(spent, Long.MAX_VALUE, pass, NOW, NOW.plusSeconds(60)))
                            .isEqualTo(new ChargeResult.Insufficient(0));
                }
            }
            assertThat(ledger.entitlementLookups()).isEqualTo(passes.length);

            assertThat(ledger.chargeStream(buyer, Long.MAX_VALUE, "pass day", NOW, NOW.plusSeconds(60)))
                    .isEqualTo(new ChargeResult.Insufficient(100));
            assertThat(ledger.chargeStream(buyer, 10, "pass day", NOW, NOW.plusSeconds(60)))
                    .isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.chargeStream(buyer, Long.MAX_VALUE, "pass day", NOW.plusSeconds(1), NOW.plusSeconds(61)))
                    .isInstanceOf(ChargeResult.Entitled.class);
        }
    }

    @Test
    void theMissesRememberedStayWithinTheirBoundWhateverKeysOutsideInputNames() throws Exception {
        ScripAccount spent = scrip("spent", 100);
        int bound = 65_536; // stateCapacity: "Misses remembered" in docs/LEDGER.md
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            assertThat(ledger.charge(spent, 100, "/articles/1")).isInstanceOf(ChargeResult.Charged.class);
            for (int i = 0; i < bound + bound / 4; i++) {
                assertThat(ledger.chargeStream(spent, Long.MAX_VALUE, "/videos/" + i, NOW, NOW.plusSeconds(60)))
                        .isEqualTo(new ChargeResult.Insufficient(0));
                if (i == 999) {
                    assertThat(ledger.entitlementMissesKept()).as("each key refused is remembered").isEqualTo(1_000);
                }
            }

            assertThat(ledger.entitlementLookups()).isEqualTo(bound + bound / 4);
            assertThat(ledger.entitlementMissesKept()).isPositive().isLessThanOrEqualTo(bound);
        }
    }
}
