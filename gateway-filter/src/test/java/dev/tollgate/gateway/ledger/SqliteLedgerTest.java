package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SqliteLedgerTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("nested/ledger/ledger.db");
    }

    @Test
    void aChargeIsTakenFromTheRemainingBudget() throws Exception {
        ScripAccount scrip = scrip("a", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000);

            ChargeResult result = ledger.charge(scrip, 300, "/articles/1");

            assertThat(result).isInstanceOfSatisfying(ChargeResult.Charged.class, charged -> {
                assertThat(charged.amountMicros()).isEqualTo(300);
                assertThat(charged.remainingMicros()).isEqualTo(700);
                assertThat(charged.receiptId()).matches("r-[0-9a-f]{16}-[0-9a-f]{12}");
            });
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
        }
        assertThat(LedgerFixtures.stored(file(), "a")).isEqualTo(new LedgerFixtures.StoredScrip(1_000, 300, 0));
    }

    @Test
    void theFoldWritesTheTotalsOfScripPastOneStatementsWorthExactly() throws Exception {
        int count = 2 * LedgerStore.TOTALS_PER_STATEMENT + 3; // two full statements and one of 3 rows and 61 repeats
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String refund = null;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < count; i++) {
                    ChargeResult charged = ledger.charge(scrip("many-" + i, 1_000), i + 1, "/articles/" + i);
                    if (round == 1 && i == count - 1) {
                        refund = ((ChargeResult.Charged) charged).receiptId();
                    }
                }
            }
            assertThat(ledger.refund(refund)).isTrue();

            assertThat(ledger.unsettled(count + 1)).hasSize(count).allSatisfy(total -> {
                int i = Integer.parseInt(total.jti().substring("many-".length()));
                assertThat(total.chargedMicros()).isEqualTo(i == count - 1 ? i + 1 : 2 * (i + 1));
            });
        }
        assertThat(LedgerFixtures.stored(file(), "many-0")).isEqualTo(new LedgerFixtures.StoredScrip(1_000, 2, 0));
        assertThat(LedgerFixtures.stored(file(), "many-" + (count - 1)))
                .isEqualTo(new LedgerFixtures.StoredScrip(1_000, count, 0));
    }

    @Test
    void theExactBudgetCanBeSpentAndNothingMore() throws Exception {
        ScripAccount scrip = scrip("b", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.charge(scrip, 60, "/x")).isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.charge(scrip, 41, "/x")).isEqualTo(new ChargeResult.Insufficient(40));
            assertThat(ledger.charge(scrip, 40, "/x"))
                    .isInstanceOfSatisfying(ChargeResult.Charged.class, c -> assertThat(c.remainingMicros()).isZero());
            assertThat(ledger.charge(scrip, 1, "/x")).isEqualTo(new ChargeResult.Insufficient(0));
            assertThat(ledger.remaining(scrip)).isZero();
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(2);
    }

    @Test
    void aZeroPriceChargeRecordsAReceiptAndTakesNothing() throws Exception {
        ScripAccount scrip = scrip("z", 0);
        String receipt;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult result = ledger.charge(scrip, 0, "/free");

            assertThat(result).isInstanceOf(ChargeResult.Charged.class);
            receipt = ((ChargeResult.Charged) result).receiptId();
            assertThat(result.remainingMicros()).isZero();
            assertThat(ledger.charge(scrip, 1, "/paid")).isEqualTo(new ChargeResult.Insufficient(0));
        }
        assertThat(LedgerFixtures.charges(file()))
                .containsEntry(receipt, new LedgerFixtures.StoredCharge(ISSUER, "z", 0, false));
    }

    @Test
    void aNegativeChargeIsRejected() {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThatThrownBy(() -> ledger.charge(scrip("n", 10), -1, "/x"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aRefundReturnsTheMoneyOnce() throws Exception {
        ScripAccount scrip = scrip("r", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String receipt = ((ChargeResult.Charged) ledger.charge(scrip, 30, "/x")).receiptId();
            ledger.charge(scrip, 20, "/y");

            assertThat(ledger.refund(receipt)).isTrue();
            assertThat(ledger.remaining(scrip)).isEqualTo(80);
            assertThat(ledger.refund(receipt)).isFalse();
            assertThat(ledger.remaining(scrip)).isEqualTo(80);
        }
        assertThat(LedgerFixtures.stored(file(), "r").spent()).isEqualTo(20);
        assertThat(LedgerFixtures.netCharged(file(), "r")).isEqualTo(20);
    }

    @Test
    void refundingAnUnknownReceiptIsRejected() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThatThrownBy(() -> ledger.refund("r-0000000000000000-000000000001"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no such receipt");
            // The ledger keeps working after a rejected operation.
            assertThat(ledger.charge(scrip("u", 5), 5, "/x")).isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void aRefundAfterSettlementStillReturnsTheMoney() throws Exception {
        ScripAccount scrip = scrip("s", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String receipt = ((ChargeResult.Charged) ledger.charge(scrip, 50, "/x")).receiptId();
            ledger.markSettled(ISSUER, "s", 50);

            assertThat(ledger.refund(receipt)).isTrue();

            assertThat(ledger.remaining(scrip)).isEqualTo(100);
            assertThat(ledger.unsettled(10)).isEmpty();
        }
        assertThat(LedgerFixtures.stored(file(), "s")).isEqualTo(new LedgerFixtures.StoredScrip(100, 0, 50));
    }

    @Test
    void theRecordedBudgetWinsOverADifferentPresentedOne() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.charge(scrip("m", 100), 10, "/x");

            assertThat(ledger.remaining(scrip("m", 500))).isEqualTo(90);
            assertThat(ledger.charge(scrip("m", 500), 91, "/x")).isEqualTo(new ChargeResult.Insufficient(90));
        }
    }

    @Test
    void settlementNeverGoesBackwardsNorBeyondWhatWasCharged() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.charge(scrip("t", 100), 40, "/x");
            ledger.markSettled(ISSUER, "t", 30);
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "t", 40, 30));

            ledger.markSettled(ISSUER, "t", 20);
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "t", 40, 30));

            assertThatThrownBy(() -> ledger.markSettled(ISSUER, "t", 41)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ledger.markSettled(ISSUER, "unknown", 1))
                    .isInstanceOf(IllegalArgumentException.class);

            ledger.markSettled(ISSUER, "t", 40);
            assertThat(ledger.unsettled(10)).isEmpty();
        }
        assertThat(LedgerFixtures.stored(file(), "t").settled()).isEqualTo(40);
    }

    @Test
    void unsettledListsOnlyScripWithUnsettledAmountsOldestFirst() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.charge(scrip("first", 100), 10, "/x");
            ledger.charge(scrip("settled", 100), 10, "/x");
            ledger.markSettled(ISSUER, "settled", 10);
            ledger.charge(scrip("free", 100), 0, "/x");
            ledger.remaining(scrip("never-charged", 100));
            // first_seen has millisecond resolution: make "last" strictly younger without sleeping.
            long start = System.currentTimeMillis();
            while (System.currentTimeMillis() == start) {
                Thread.onSpinWait();
            }
            ledger.charge(scrip("last", 100), 5, "/x");

            assertThat(ledger.unsettled(10)).containsExactly(
                    new ScripTotal(ISSUER, "first", 10, 0), new ScripTotal(ISSUER, "last", 5, 0));
            assertThat(ledger.unsettled(1)).containsExactly(new ScripTotal(ISSUER, "first", 10, 0));
            assertThat(ledger.unsettled(0)).isEmpty();
        }
    }

    @Test
    void balancesAndReceiptsSurviveCloseAndReopen() throws Exception {
        ScripAccount spentOut = scrip("out", 50);
        ScripAccount partly = scrip("part", 100);
        String refunded;
        String kept;
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            assertThat(ledger.charge(spentOut, 50, "/x")).isInstanceOf(ChargeResult.Charged.class);
            refunded = ((ChargeResult.Charged) ledger.charge(partly, 30, "/a")).receiptId();
            kept = ((ChargeResult.Charged) ledger.charge(partly, 25, "/b")).receiptId();
            assertThat(ledger.refund(refunded)).isTrue();
        }
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.charge(spentOut, 1, "/x")).isEqualTo(new ChargeResult.Insufficient(0));
            assertThat(ledger.remaining(partly)).isEqualTo(75);
            assertThat(ledger.refund(refunded)).isFalse();
            assertThat(ledger.refund(kept)).isTrue();
            assertThat(ledger.remaining(partly)).isEqualTo(100);
            ChargeResult again = ledger.charge(partly, 100, "/c");
            assertThat(again).isInstanceOf(ChargeResult.Charged.class);
            assertThat(((ChargeResult.Charged) again).receiptId()).isNotIn(refunded, kept);
        }
    }

    @Test
    void receiptIdsAreUniqueAcrossReopens() throws Exception {
        Set<String> receipts = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            try (SqliteLedger ledger = SqliteLedger.open(file())) {
                for (int i = 0; i < 50; i++) {
                    ChargeResult result = ledger.charge(scrip("ids", 1_000), 1, "/x");
                    assertThat(receipts.add(((ChargeResult.Charged) result).receiptId())).isTrue();
                }
            }
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(150).containsOnlyKeys(receipts);
    }

    @Test
    void theSchemaVersionIsRecordedAndTheFileIsInWalMode() throws Exception {
        SqliteLedger.open(file()).close();

        assertThat(Files.exists(file())).isTrue();
        try (Connection c = LedgerFixtures.connect(file())) {
            try (ResultSet rs = c.createStatement().executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(LedgerSchema.SCHEMA_VERSION);
            }
            try (ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
        }
    }

    @Test
    void aDatabaseFromANewerVersionIsRefused() throws Exception {
        SqliteLedger.open(file()).close();
        try (Connection c = LedgerFixtures.connect(file())) {
            c.createStatement().execute("PRAGMA user_version = " + (LedgerSchema.SCHEMA_VERSION + 1));
        }

        assertThatThrownBy(() -> SqliteLedger.open(file()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("schema version");
    }
}
