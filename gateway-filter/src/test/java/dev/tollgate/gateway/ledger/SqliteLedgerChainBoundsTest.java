package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a buyer's PayWord chains can make the ledger keep: nothing for a payment that pays nothing, a bounded number of
 * chain states in memory however many chains are paid, and a constant amount of work to record one more chain of a
 * certificate however many it already has.
 */
final class SqliteLedgerChainBoundsTest {

    private static final long UNIT = 10;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    /** A chain of {@code length} words of {@link #UNIT}, its root unique per {@code seed}. */
    private static ChainAccount chain(String id, String cert, long limit, int seed, int length) {
        byte[] root = ByteBuffer.allocate(32).putInt(seed).array();
        return new ChainAccount(ISSUER, id, "jws-of-" + id, "buyer-1", "seller-1", length, UNIT, "EUR",
                Instant.parse("2030-01-01T00:00:00Z"), root, cert, limit, "jti-" + id);
    }

    private static byte[] w(int index) {
        return LedgerKillChild.word(index);
    }

    private static long count(Path file, String table) throws Exception {
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            return rs.getLong(1);
        }
    }

    @Test
    void paymentsThatPayNothingRecordNoChainNoStateAndNoJournalRecord() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            long mark = ledger.journalMark();
            for (int i = 0; i < 1_000; i++) {
                ChainAccount chain = chain("free-" + i, "cert-1", 1_000_000, i, 100);
                ChainHead root = ledger.chainHead(chain);

                // One word of 10 for a price of 11: the head would not move and nothing would be charged.
                ChargeResult tooCheap = ledger.chargeChain(chain, root, 1, w(1), UNIT + 1, "/live/" + i);
                // A head the chain never had here.
                ChargeResult staleHead = ledger.chargeChain(chain, new ChainHead(3, w(3), 30, 0), 5, w(5), UNIT,
                        "/live/" + i);

                assertThat(tooCheap).isEqualTo(new ChargeResult.Insufficient(0));
                assertThat(staleHead).isEqualTo(new ChargeResult.HeadMoved(new ChainHead(0, chain.root(), 0, 0)));
            }

            assertThat(ledger.cachedChains()).isZero();
            assertThat(ledger.journalMark()).isEqualTo(mark);
            assertThat(ledger.commitment(ISSUER, "free-0")).isEmpty();
            assertThat(ledger.unsettledChains(10)).isEmpty();
            // The same chain still pays once its payment covers the price.
            ChainAccount paying = chain("free-0", "cert-1", 1_000_000, 0, 100);
            assertThat(ledger.chargeChain(paying, ledger.chainHead(paying), 2, w(2), UNIT + 1, "/live/0"))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
        assertThat(count(file(), "chains")).isEqualTo(1);
        assertThat(count(file(), "certificates")).isEqualTo(1);
        assertThat(count(file(), "resources")).isEqualTo(1);
        assertThat(count(file(), "charges")).isEqualTo(1);
    }

    @Test
    void recordingAChainReadsAFewRowsHoweverManyChainsItsCertificateHas() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            long readBefore = ledger.certificateRowsRead();
            for (int i = 0; i < 2_000; i++) {
                ChainAccount chain = chain("c" + i, "cert-1", 1_000_000, i, 10);
                assertThat(ledger.chargeChain(chain, ledger.chainHead(chain), 1, w(1), UNIT, "/live/1"))
                        .isInstanceOf(ChargeResult.Charged.class);
            }
            // One row (the certificate's total) per chain, where a scan would read every chain already recorded.
            assertThat(ledger.certificateRowsRead() - readBefore).isLessThanOrEqualTo(2_000);
        }
        try (Connection c = LedgerFixtures.connect(file()); Statement st = c.createStatement()) {
            for (String sql : List.of(LedgerStore.SELECT_CERTIFICATE_ROOT, LedgerStore.SELECT_CERTIFICATE_JTI,
                    LedgerStore.SELECT_CERTIFICATE_COMMITTED)) {
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + sql.replace("?", "'x'"))) {
                    while (rs.next()) {
                        plan.append(rs.getString("detail")).append('\n');
                    }
                }
                assertThat(plan.toString()).as(sql).startsWith("SEARCH").doesNotContain("SCAN");
            }
        }
        assertThat(count(file(), "chains")).isEqualTo(2_000);
    }

    @Test
    void chainStatesStayWithinTheirCapacityWhileTenThousandChainsArePaid() throws Exception {
        int capacity = 100;
        LedgerTuning tuning = LedgerTuning.DEFAULTS.withStateCapacity(capacity);
        String receipt;
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            for (int i = 0; i < 10_000; i++) {
                ChainAccount chain = chain("c" + i, "cert-" + i, 1_000, i, 100);
                assertThat(ledger.chargeChain(chain, ledger.chainHead(chain), 1, w(1), UNIT, "/live/1"))
                        .isInstanceOf(ChargeResult.Charged.class);
                assertThat(ledger.cachedChains()).isLessThanOrEqualTo(capacity);
            }

            // The first chain's state was evicted long ago: it comes back from its row, head and credit intact.
            ChainAccount first = chain("c0", "cert-0", 1_000, 0, 100);
            ChainHead head = ledger.chainHead(first);
            assertThat(head).isEqualTo(new ChainHead(1, w(1), 10, 10));
            ChargeResult paid = ledger.chargeChain(first, head, 3, w(3), 15, "/live/1");
            assertThat(paid).isInstanceOfSatisfying(ChargeResult.Charged.class,
                    c -> assertThat(c.remainingMicros()).isEqualTo(5));
            receipt = ((ChargeResult.Charged) paid).receiptId();
            assertThat(ledger.chargeChain(first, head, 2, w(2), 1, "/live/1"))
                    .isEqualTo(new ChargeResult.HeadMoved(new ChainHead(3, w(3), 30, 25)));
            // A re-signed commitment of an evicted chain still cannot pay its words again.
            ChainAccount resigned = new ChainAccount(ISSUER, "c0-again", "jws", "buyer-1", "seller-1", 100, UNIT,
                    "EUR", Instant.parse("2030-01-01T00:00:00Z"), first.root(), "cert-0", 1_000, "jti-other");
            assertThat(ledger.chargeChain(resigned, ledger.chainHead(resigned), 1, w(1), UNIT, "/live/1"))
                    .isInstanceOfSatisfying(ChargeResult.ChainRefused.class,
                            r -> assertThat(r.reason()).isEqualTo(ChargeResult.ChainRefused.Reason.SAME_ROOT));
            // Evicted again, its charge is still refunded to its credit.
            for (int i = 10_000; i < 10_000 + 2 * capacity; i++) {
                ChainAccount chain = chain("c" + i, "cert-" + i, 1_000, i, 100);
                assertThat(ledger.chargeChain(chain, ledger.chainHead(chain), 1, w(1), UNIT, "/live/1"))
                        .isInstanceOf(ChargeResult.Charged.class);
            }
            assertThat(ledger.refund(receipt)).isTrue();
            assertThat(ledger.chainHead(first)).isEqualTo(new ChainHead(3, w(3), 30, 10));
            assertThat(ledger.cachedChains()).isLessThanOrEqualTo(capacity);
        }
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            assertThat(ledger.chainHead(chain("c0", "cert-0", 1_000, 0, 100)))
                    .isEqualTo(new ChainHead(3, w(3), 30, 10));
        }
        assertThat(count(file(), "chains")).isEqualTo(10_000 + 2 * capacity);
    }
}
