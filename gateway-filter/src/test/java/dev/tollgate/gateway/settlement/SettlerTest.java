package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SettlerTest {

    @TempDir
    Path dir;

    private SqliteLedger ledger;
    private FakeRedemptionBroker broker;
    private SellerKey key;
    private Settler settler;
    /** What the ledger holds per scrip, net of refunds: what the broker must end up having redeemed. */
    private final Map<String, Long> charged = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        broker = new FakeRedemptionBroker();
        key = SellerKey.loadOrCreate(dir);
        broker.register(key.publicJwk());
    }

    @AfterEach
    void stop() throws Exception {
        if (settler != null) {
            settler.close(Duration.ZERO);
        }
        ledger.close();
        broker.close();
    }

    private Settler settler(int batchSize, Duration interval) {
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, interval, batchSize,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)), ledger, key,
                Clock.systemUTC());
        return settler;
    }

    private ChargeResult.Charged charge(String jti, long micros) throws Exception {
        ChargeResult result = ledger.charge(new ScripAccount(ISSUER, jti, "buyer-" + jti, SELLER, 10_000_000, "USD",
                Instant.now().plusSeconds(3600)), micros, "/articles/" + jti);
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        charged.merge(jti, micros, Long::sum);
        return (ChargeResult.Charged) result;
    }

    private long totalCharged() {
        return charged.values().stream().mapToLong(Long::longValue).sum();
    }

    private void assertEverythingSettledExactlyOnce() throws Exception {
        assertThat(ledger.unsettled(Integer.MAX_VALUE)).isEmpty();
        charged.forEach((jti, micros) -> assertThat(broker.redeemed(jti)).as(jti).isEqualTo(micros));
        assertThat(broker.totalRedeemed()).isEqualTo(totalCharged());
        assertThat(broker.rejections()).isEmpty();
    }

    /** The settler's status, for conditions polled from lambdas. */
    private SettlementStatus status() {
        try {
            return settler.status();
        } catch (dev.tollgate.gateway.ledger.LedgerUnavailableException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5); // polling interval, not a wait for the condition
        }
    }

    @Test
    void chargesAreSettledExactlyToTheMicroUnit() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 1);
        charge("a", 999_999);
        charge("b", 123_457);
        ChargeResult.Charged refunded = charge("c", 50_000);
        charge("c", 7);
        ledger.refund(refunded.receiptId());
        charged.merge("c", -50_000L, Long::sum);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertEverythingSettledExactlyOnce();
        assertThat(broker.redeemed("a")).isEqualTo(1_000_000);
        assertThat(broker.redeemed("c")).isEqualTo(7);

        charge("b", 3);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertEverythingSettledExactlyOnce();
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        SettlementStatus status = settler.status();
        assertThat(status.unsettledMicros()).isZero();
        assertThat(status.unsettledScrip()).isZero();
        assertThat(status.settledSinceStartMicros()).isEqualTo(totalCharged());
        assertThat(status.lastSuccess()).isPresent();
        assertThat(status.lastError()).isEmpty();
        assertThat(status.consecutiveFailures()).isZero();
    }

    @Test
    void aScripWithARequestStillRunningIsNotClaimedUntilTheRequestEnds() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 30_000);
        settler.requestStarted("b");
        ChargeResult.Charged failing = charge("b", 70_000); // its app has not answered yet

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("a")).isEqualTo(30_000);
        assertThat(broker.claimsOn("b")).as("b may still be refunded").isZero();

        ledger.refund(failing.receiptId()); // the app answered 500
        settler.refunded();
        charged.put("b", 0L);
        settler.requestEnded("b");
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        assertThat(broker.redeemed("b")).as("the refunded charge was never claimed").isZero();

        settler.requestStarted("b");
        charge("b", 20_000);
        settler.requestEnded("b");
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertEverythingSettledExactlyOnce();
    }

    @Test
    void aBrokerThatIsDownIsRetriedWithBackoffAndPaidExactlyOnceWhenItIsBack() throws Exception {
        settler(500, Duration.ofMillis(20)).startThread();
        broker.answer503(true);
        charge("a", 150_000);
        charge("b", 90_000);
        await("three attempts failed with 503", () -> status().consecutiveFailures() >= 3);
        assertThat(status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("503"));
        assertThat(status().unsettledMicros()).isEqualTo(240_000);

        broker.answer503(false);
        broker.refuseConnections(true);
        int failedSoFar = status().consecutiveFailures();
        await("attempts failed with refused connections",
                () -> status().consecutiveFailures() >= failedSoFar + 3);
        assertThat(status().lastError()).hasValueSatisfying(
                e -> assertThat(e).contains("cannot reach the broker"));
        charge("a", 5);

        broker.refuseConnections(false);
        // The ledger is marked settled before the settler records its success: wait for both.
        await("everything is settled", () -> status().unsettledScrip() == 0 && status().consecutiveFailures() == 0);
        assertEverythingSettledExactlyOnce();
        SettlementStatus status = settler.status();
        assertThat(status.consecutiveFailures()).isZero();
        assertThat(status.lastError()).isEmpty();
        assertThat(status.settledSinceStartMicros()).isEqualTo(240_005);
    }

    @Test
    void aLostAnswerIsRetriedWithoutPayingTwice() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 40_000);
        charge("b", 60_000);
        broker.dropAnswers(1);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.FAILED);
        assertThat(broker.totalRedeemed()).isEqualTo(100_000); // the broker applied the batch
        assertThat(ledger.unsettled(10)).hasSize(2); // but the gateway never heard

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertEverythingSettledExactlyOnce();
        assertThat(broker.claimsOn("a")).isEqualTo(2);
        assertThat(settler.status().consecutiveFailures()).isZero();
    }

    @Test
    void aClaimRefusedForGoodIsNotSentAgainButOthersAreSettled() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("expired-one", 10_000);
        charge("fine", 20_000);
        charge("transient", 30_000);
        broker.refuse("expired-one", "expired");
        broker.refuse("transient", "try_later");

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("fine")).isEqualTo(20_000);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);

        assertThat(broker.claimsOn("expired-one")).isEqualTo(1);
        assertThat(broker.claimsOn("transient")).isEqualTo(2); // a reason not known to be final is retried
        assertThat(ledger.unsettled(10)).extracting(ScripTotal::jti)
                .containsExactlyInAnyOrder("expired-one", "transient");
        SettlementStatus status = settler.status();
        assertThat(status.refusedScrip()).isEqualTo(1);
        assertThat(status.unsettledMicros()).isEqualTo(40_000);

        broker.refuse("transient", "expired");
        settler.settleOnce();
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
    }

    @Test
    void aBacklogLargerThanTheBatchSizeIsSplitIntoBatches() throws Exception {
        settler(3, Duration.ofHours(1));
        for (int i = 0; i < 7; i++) {
            charge("s" + i, 1_000 + i);
        }
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.FULL);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.FULL);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.batchSizes()).containsExactly(3, 3, 1);
        assertEverythingSettledExactlyOnce();
    }

    @Test
    void aFullBatchOfChargesWakesTheSettlerBeforeItsInterval() throws Exception {
        settler(3, Duration.ofHours(1)).startThread();
        for (int i = 0; i < 5; i++) {
            charge("s" + i, 2_000);
            settler.charged();
        }
        await("the charges are settled", () -> status().unsettledScrip() <= 2);
        assertThat(broker.batchSizes()).first().isEqualTo(3);
        assertThat(broker.totalRedeemed()).isGreaterThanOrEqualTo(6_000);
    }

    @Test
    void closingSendsWhatWaitsInAFinalBatch() throws Exception {
        settler(2, Duration.ofHours(1)).startThread();
        charge("a", 11);
        charge("b", 22);
        charge("c", 33);
        settler.close(Duration.ofSeconds(5));
        assertEverythingSettledExactlyOnce();
        assertThat(broker.batchSizes()).containsExactly(2, 1);
    }

    @Test
    void aBatchIsACompactJwsAsTheProtocolHasIt() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 5);
        String jws = settler.sign(ledger.unsettled(10), Instant.ofEpochSecond(1_700_000_000));
        String[] parts = jws.split("\\.");
        assertThat(parts).hasSize(3);
        java.util.Base64.Decoder b64 = java.util.Base64.getUrlDecoder();
        assertThat(new String(b64.decode(parts[0]), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"alg\":\"EdDSA\",\"kid\":\"" + key.thumbprint()
                        + "\",\"typ\":\"tollgate-redemption+jwt\"}");
        assertThat(new String(b64.decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("{\"iss\":\"seller-1\",\"aud\":\"https://broker.test\",\"iat\":1700000000,"
                        + "\"exp\":1700000300,\"jti\":\"")
                .endsWith("\"claims\":[{\"jti\":\"a\",\"spent\":\"5\"}]}");
        assertThat(b64.decode(parts[2])).hasSize(64);
    }

    @Test
    void aBrokerAheadOfTheLedgerIsSettledAsChargedAndTheScripKeepsSettling() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 30_000);
        // The broker counts an online charge on "a" that the ledger refunded and no longer means to void.
        broker.onlineCharge("r-lost", "a", 100_000);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);

        assertThat(ledger.unsettled(10)).isEmpty();
        assertThat(settler.status().refusedScrip()).isZero();
        charge("a", 80_000);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.claimsOn("a")).as("the scrip is still claimed").isEqualTo(2);
        assertThat(broker.redeemed("a")).isEqualTo(110_000);
        assertThat(ledger.unsettled(10)).isEmpty();
        assertThat(settler.status().refusedScrip()).isZero();
    }
}
