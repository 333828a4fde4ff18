package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RedisLedger} on a real SqliteLedger and redis-server: what goes back to the node's slice (refunds, replays,
 * entitlements), what Redis is told at hand-back, and what passes without Redis.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class RedisLedgerTest {

    private static final Instant EXPIRES = Instant.now().plus(Duration.ofHours(1));

    @TempDir
    Path dir;
    private RedisServer redis;
    private RedisLedger ledger;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir);
        ledger = open();
    }

    @AfterEach
    void stop() throws Exception {
        ledger.close();
        redis.close();
    }

    private RedisLedger open() throws Exception {
        SqliteLedger node = SqliteLedger.open(dir.resolve("ledger.db"));
        return RedisLedger.open(node, BudgetLeases.connect(redis.uri(), node.databaseId(), LeaseSettings.defaults()),
                SlicePolicy.defaults());
    }

    private static ScripAccount scrip(String jti, long budget) {
        return new ScripAccount("https://broker.test", jti, "buyer-" + jti, "seller-1", budget, "USD", EXPIRES);
    }

    private BudgetStatus handedBack(String jti) throws Exception {
        ledger.close();
        try (BudgetLeases observer = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            return observer.status(new ScripId("https://broker.test", jti));
        } finally {
            ledger = open();
        }
    }

    @Test
    void aRefundGoesBackToTheSliceAndTheHandBackReportsOnlyWhatStaysCharged() throws Exception {
        ScripAccount scrip = scrip("refunded", 1_000);
        String receipt = ((ChargeResult.Charged) ledger.charge(scrip, 100, "/a")).receiptId();
        assertThat(ledger.charge(scrip, 100, "/a")).isInstanceOf(ChargeResult.Charged.class);
        assertThat(ledger.refund(receipt)).isTrue();
        assertThat(ledger.refund(receipt)).as("once").isFalse();

        BudgetStatus status = handedBack("refunded");
        assertThat(status.usedMicros()).isEqualTo(100);
        assertThat(status.heldMicros()).isEqualTo(100);
    }

    @Test
    void aChargeSentAgainUnderItsPaymentIdIsAReplayThatReservesNothing() throws Exception {
        ScripAccount scrip = scrip("identified", 1_000);
        String id = "payment-id-0123456789/GET/";
        ChargeResult.Charged first = (ChargeResult.Charged) ledger.charge(scrip, 100, "/a", id);
        assertThat(ledger.charge(scrip, 100, "/a", id)).isInstanceOf(ChargeResult.Replayed.class);

        assertThat(first.remainingMicros()).as("what this node can reach, not its own ledger's view")
                .isEqualTo(ledger.remaining(scrip)).isEqualTo(900);
        assertThat(handedBack("identified").usedMicros()).isEqualTo(100);
    }

    @Test
    void anEntitlementStillPassesOnceTheBudgetIsSpentAndWhileRedisIsDown() throws Exception {
        ScripAccount scrip = scrip("stream", 100);
        Instant now = Instant.now();
        assertThat(ledger.chargeStream(scrip, 100, "/videos/1", now, now.plusSeconds(600)))
                .isInstanceOf(ChargeResult.Charged.class);
        assertThat(ledger.chargeStream(scrip, 100, "/videos/2", now, now.plusSeconds(600)))
                .isInstanceOf(ChargeResult.Insufficient.class);

        assertThat(ledger.chargeStream(scrip, 100, "/videos/1", now, now.plusSeconds(600)))
                .isInstanceOf(ChargeResult.Entitled.class);
        redis.kill();
        assertThat(ledger.chargeStream(scrip, 100, "/videos/1", now, now.plusSeconds(600)))
                .isInstanceOf(ChargeResult.Entitled.class);
        redis.start();
    }

    @Test
    void scripThatCouldNeverPayIsRefusedWithoutRedisAndNeverCancelled() throws Exception {
        ScripAccount scrip = scrip("small", 50);
        redis.kill();
        assertThat(ledger.charge(scrip, 100, "/a")).isEqualTo(new ChargeResult.Insufficient(50));
        assertThat(ledger.closeUnused(scrip)).as("another node may have charged it").isFalse();
        redis.start();
    }

    @Test
    void aStreamChargeRefusedOrRefundedLeavesNoClaimSoAnotherNodeBuysIt() throws Exception {
        Instant now = Instant.now();
        ScripAccount small = new ScripAccount("https://broker.test", "small-stream", "viewer", "seller-1", 150, "USD",
                EXPIRES);
        ScripAccount other = new ScripAccount("https://broker.test", "other-stream", "viewer", "seller-1", 1_000, "USD",
                EXPIRES);
        assertThat(ledger.chargeStream(small, 100, "/videos/1", now, now.plusSeconds(600)))
                .isInstanceOf(ChargeResult.Charged.class);
        assertThat(ledger.chargeStream(small, 100, "/videos/2", now, now.plusSeconds(600)))
                .isInstanceOf(ChargeResult.Insufficient.class);
        String refunded = ((ChargeResult.Charged) ledger.chargeStream(other, 100, "/videos/3", now,
                now.plusSeconds(600))).receiptId();
        assertThat(ledger.refund(refunded)).isTrue();

        try (RedisLedger second = second()) {
            assertThat(second.chargeStream(other, 100, "/videos/1", now, now.plusSeconds(600)))
                    .as("bought on the first node").isInstanceOf(ChargeResult.Entitled.class);
            assertThat(second.chargeStream(other, 100, "/videos/2", now, now.plusSeconds(600)))
                    .as("the refused purchase's claim was deleted").isInstanceOf(ChargeResult.Charged.class);
            assertThat(second.chargeStream(other, 100, "/videos/3", now, now.plusSeconds(600)))
                    .as("the refunded purchase's claim was deleted").isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void aChargeUnderAPaymentIdIsNotRefundedOnceAnotherNodeAnsweredAReplayWithIt() throws Exception {
        ScripAccount scrip = scrip("refund-id", 1_000);
        String replayedId = "payment-id-replayed/GET/";
        String unusedId = "payment-id-unused/GET/";
        String replayedReceipt = ((ChargeResult.Charged) ledger.charge(scrip, 100, "/a", replayedId)).receiptId();
        String unusedReceipt = ((ChargeResult.Charged) ledger.charge(scrip, 100, "/a", unusedId)).receiptId();

        try (RedisLedger second = second()) {
            assertThat(second.charge(scrip, 100, "/a", replayedId)).as("replayed on the second node")
                    .isInstanceOf(ChargeResult.Replayed.class);

            assertThat(ledger.refund(replayedReceipt)).as("its content was served by a replay").isFalse();
            assertThat(ledger.refund(unusedReceipt)).isTrue();
            assertThat(second.charge(scrip, 100, "/a", unusedId)).as("a refunded charge's id is forgotten")
                    .isInstanceOf(ChargeResult.Charged.class);
        }
    }

    private RedisLedger second() throws Exception {
        SqliteLedger file = SqliteLedger.open(dir.resolve("second.db"));
        return RedisLedger.open(file, BudgetLeases.connect(redis.uri(), file.databaseId(), LeaseSettings.defaults()),
                SlicePolicy.defaults());
    }

    /** Sends the charge under {@code id} to {@code node} as often as it is answered as a replay. */
    private static void replayedUpToTheLimit(RedisLedger node, ScripAccount scrip, String id) throws Exception {
        for (int n = 1; n <= PaymentClaims.MAX_REPLAYS; n++) {
            assertThat(node.charge(scrip, 100, "/a", id)).as("replay %d", n).isInstanceOf(ChargeResult.Replayed.class);
        }
    }

    @Test
    void aReplayedChargeIsNotRefundedOnceARequestAfterItsLastReplayWasRefusedForWantOfBudget() throws Exception {
        ScripAccount scrip = scrip("replayed-then-refused", 100);
        String id = "payment-id-refused/GET/";
        String first = ((ChargeResult.Charged) ledger.charge(scrip, 100, "/a", id)).receiptId();
        try (RedisLedger second = second()) {
            replayedUpToTheLimit(second, scrip, id);
            assertThat(ledger.charge(scrip, 100, "/a", id)).as("a payment of its own, and the budget is spent")
                    .isInstanceOf(ChargeResult.Insufficient.class);

            assertThat(ledger.refund(first)).as("its content was served by 8 replays").isFalse();
        }
    }

    @Test
    void aReplayedChargeIsNotRefundedOnceTheChargeAfterItsLastReplayWasRefunded() throws Exception {
        ScripAccount scrip = scrip("replayed-then-replaced", 1_000);
        String id = "payment-id-replaced/GET/";
        String first = ((ChargeResult.Charged) ledger.charge(scrip, 100, "/a", id)).receiptId();
        try (RedisLedger second = second()) {
            replayedUpToTheLimit(second, scrip, id);
            String ninth = ((ChargeResult.Charged) second.charge(scrip, 100, "/a", id)).receiptId();
            assertThat(second.refund(ninth)).as("no replay served the ninth").isTrue();

            assertThat(ledger.refund(first)).as("its content was served by 8 replays").isFalse();
        }
    }

    @Test
    void aReplayedChargeIsNotRefundedAfterItsNodeRestarted() throws Exception {
        ScripAccount scrip = scrip("replayed-then-restarted", 1_000);
        String id = "payment-id-restarted/GET/";
        String first = ((ChargeResult.Charged) ledger.charge(scrip, 100, "/a", id)).receiptId();
        try (RedisLedger second = second()) {
            assertThat(second.charge(scrip, 100, "/a", id)).isInstanceOf(ChargeResult.Replayed.class);
        }
        ledger.close();
        ledger = open(); // its refund finished by the next run (OnlineVoids)

        assertThat(ledger.refund(first)).as("a replay got its content").isFalse();
    }

    @Test
    void aRefundTheNodesLedgerCouldNotRecordLeavesTheChargeUnderItsPaymentId() throws Exception {
        ScripAccount scrip = scrip("refund-failed", 1_000);
        String id = "payment-id-refund-failed/GET/";
        SqliteLedger file = SqliteLedger.open(dir.resolve("failing.db"));
        try (RedisLedger failing = RedisLedger.open(file, BudgetLeases.connect(redis.uri(), file.databaseId(),
                LeaseSettings.defaults()), SlicePolicy.defaults())) {
            String receipt = ((ChargeResult.Charged) failing.charge(scrip, 100, "/a", id)).receiptId();
            file.close(); // the node's ledger fails from now on

            assertThatThrownBy(() -> failing.refund(receipt)).isInstanceOf(LedgerUnavailableException.class);

            assertThat(ledger.charge(scrip, 100, "/a", id)).as("the charge stands, and a replay is answered with it")
                    .isEqualTo(new ChargeResult.Replayed(receipt, 100, ledger.remaining(scrip)));
        }
    }

    @Test
    void aNodeWhoseIdAnotherProcessTookChargesNothingMore() throws Exception {
        ScripAccount scrip = scrip("taken", 1_000);
        assertThat(ledger.charge(scrip, 100, "/a")).isInstanceOf(ChargeResult.Charged.class);
        try (BudgetLeases copy = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            // a node on a copy of this ledger file, started elsewhere once this node's hold had lapsed
            String key = "tollgate:{node:" + nodeId() + "}:owner";
            copy.call(copy.commands().set(key, "0".repeat(32) + " elsewhere:/copy/ledger.db").toCompletableFuture(),
                    "test");
        }
        Poll.until("the node finds its id taken and refuses charges", () -> {
            try {
                ledger.charge(scrip, 100, "/a");
                return false;
            } catch (LedgerUnavailableException e) {
                return e.getMessage().contains("held by another node");
            }
        });
    }

    private String nodeId() throws Exception {
        return ledger.settlementLedgerId().orElseThrow();
    }
}
