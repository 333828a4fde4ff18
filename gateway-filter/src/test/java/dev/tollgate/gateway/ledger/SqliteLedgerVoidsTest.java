package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outbox of online voids in a real ledger file: durable, idempotent, oldest first, until confirmed. */
final class SqliteLedgerVoidsTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    private static String charge(SqliteLedger ledger, String jti, long micros) throws Exception {
        ChargeResult result = ledger.charge(scrip(jti, 1_000_000), micros, "/live/" + jti);
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return ((ChargeResult.Charged) result).receiptId();
    }

    private static List<String> receipts(List<PendingVoid> voids) {
        return voids.stream().map(PendingVoid::receiptId).toList();
    }

    @Test
    void aQueuedVoidIsListedUntilConfirmedAndSurvivesAReopen() throws Exception {
        String a;
        String c;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            a = charge(ledger, "s", 100);
            charge(ledger, "s", 20);
            c = charge(ledger, "t", 7);

            ledger.queueVoid(a);
            assertThat(ledger.pendingVoids(10)).singleElement().satisfies(v -> {
                assertThat(v.receiptId()).isEqualTo(a);
                assertThat(v.issuer()).isEqualTo(ISSUER);
                assertThat(v.jti()).isEqualTo("s");
                assertThat(v.amountMicros()).isEqualTo(100);
                assertThat(v.refunded()).as("queued before its refund").isFalse();
            });
            assertThat(ledger.refund(a)).isTrue();
            ledger.queueVoid(a);
            ledger.queueVoid(c);
            assertThat(receipts(ledger.pendingVoids(10))).containsExactly(a, c);
            assertThat(ledger.pendingVoids(10).get(0).refunded()).isTrue();
            assertThat(receipts(ledger.pendingVoids(1))).containsExactly(a);
        }
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(receipts(ledger.pendingVoids(10))).containsExactly(a, c);
            assertThat(ledger.pendingVoids(10).get(0).refunded()).isTrue();
            assertThat(ledger.pendingVoids(10).get(1).refunded()).isFalse();

            ledger.voidConfirmed(a);
            ledger.voidConfirmed(a);
            ledger.voidConfirmed("r-0000000000000000-000000000000");
            ledger.voidConfirmed("not a receipt");
            assertThat(receipts(ledger.pendingVoids(10))).containsExactly(c);
            assertThat(ledger.remaining(scrip("s", 1_000_000))).as("confirming changes no money").isEqualTo(1_000_000 - 20);
        }
    }

    @Test
    void aChargeStillOnlyInTheJournalCanBeQueuedAndShowsItsRefund() throws Exception {
        LedgerTuning unfolded = LedgerTuning.DEFAULTS.withMaterializeIntervalMillis(3_600_000)
                .withMaterializeBatch(1 << 30);
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, unfolded)) {
            String a = charge(ledger, "s", 100);
            ledger.queueVoid(a);
            assertThat(ledger.pendingVoids(10)).singleElement().satisfies(v -> {
                assertThat(v.amountMicros()).isEqualTo(100);
                assertThat(v.refunded()).isFalse();
            });
            ledger.refund(a);
            assertThat(ledger.pendingVoids(10)).singleElement()
                    .satisfies(v -> assertThat(v.refunded()).isTrue());
        }
    }

    @Test
    void onlyThisLedgersScripChargesCanBeQueued() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChainAccount chain = SqliteLedgerChainTest.chain("c", 100);
            ChargeResult paid = ledger.chargeChain(chain, ledger.chainHead(chain), 2, LedgerKillChild.word(2), 15,
                    "/live/1");
            String onChain = ((ChargeResult.Charged) paid).receiptId();
            String a = charge(ledger, "s", 100);
            String unknown = a.substring(0, a.length() - 1) + "f";

            assertThatThrownBy(() -> ledger.queueVoid(onChain)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ledger.queueVoid(unknown)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ledger.queueVoid("r-0000000000000000-000000000000"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(ledger.pendingVoids(10)).isEmpty();
        }
    }
}
