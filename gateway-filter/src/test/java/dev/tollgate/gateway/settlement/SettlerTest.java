package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.Poll;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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

    private static ScripAccount scrip(String jti) {
        return new ScripAccount(ISSUER, jti, "buyer-" + jti, SELLER, 10_000_000, "USD", EXPIRES);
    }

    private static final Instant EXPIRES = Instant.now().plusSeconds(3600);

    private ChargeResult.Charged charge(String jti, long micros) throws Exception {
        ChargeResult result = ledger.charge(scrip(jti), micros, "/articles/" + jti);
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

    /** A settler whose refund window is {@code window} on {@code clock}. */
    private Settler settler(Clock clock, Duration window) {
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, Duration.ofHours(1), 500,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5), window), ledger, key, clock);
        return settler;
    }

    /** A charge made the way the request path makes it: held first, then charged. */
    private RefundHold heldCharge(String jti, long micros) throws Exception {
        RefundHold hold = settler.holds().scrip(ISSUER, jti, micros);
        held.put(hold, new Held(jti, charge(jti, micros)));
        return hold;
    }

    private record Held(String jti, ChargeResult.Charged charge) {
    }

    private final Map<RefundHold, Held> held = new java.util.concurrent.ConcurrentHashMap<>();

    /** Refunds a held charge as the request path does; {@code false} if the hold said the charge is final. */
    private boolean refund(RefundHold hold) throws Exception {
        if (hold.startRefund() != RefundHold.Refund.GO) {
            return false;
        }
        try {
            Held charge = held.get(hold);
            ledger.refund(charge.charge().receiptId());
            charged.merge(charge.jti(), -charge.charge().amountMicros(), Long::sum);
        } finally {
            hold.refundDone();
        }
        return true;
    }

    @Test
    void aChargeThatMayStillBeRefundedIsLeftOutWhileTheOtherChargesOfItsScripAreClaimed() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("b", 30_000);
        RefundHold failing = heldCharge("b", 70_000); // its app has not answered yet
        RefundHold finishing = heldCharge("b", 5_000);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("b")).as("the held charges may still be refunded").isEqualTo(30_000);
        assertThat(settler.status().heldRequests()).isEqualTo(2);
        assertThat(settler.status().heldMicros()).isEqualTo(75_000);

        assertThat(refund(failing)).isTrue(); // the app answered 500
        finishing.end(); // the other one was served
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("b")).as("the refunded charge was never claimed").isEqualTo(35_000);
        assertThat(settler.status().heldRequests()).isZero();
        assertEverythingSettledExactlyOnce();
    }

    @Test
    void aRefundRecordedWhileTheSettlerReadsTheLedgerIsNeverClaimed() throws Exception {
        AtomicReference<RefundHold> refundDuringRead = new AtomicReference<>();
        Ledger reading = (Ledger) Proxy.newProxyInstance(Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class},
                (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(ledger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    RefundHold hold = method.getName().equals("unsettled") ? refundDuringRead.getAndSet(null) : null;
                    if (hold != null) {
                        assertThat(refund(hold)).isTrue(); // after the totals were read, before the holds are
                    }
                    return result;
                });
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, Duration.ofHours(1), 500,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)), reading, key, Clock.systemUTC());
        charge("a", 10_000);
        refundDuringRead.set(heldCharge("a", 40_000));

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("a")).as("the totals read still had the refunded charge").isEqualTo(10_000);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        assertEverythingSettledExactlyOnce();
        assertThat(settler.status().heldRequests()).as("dropped by the next pass").isZero();
    }

    @Test
    void aChargeWhoseContentIsOnItsWayIsClaimedAndCanNoLongerBeRefunded() throws Exception {
        settler(500, Duration.ofHours(1));
        RefundHold slow = heldCharge("c", 25_000);
        AtomicBoolean committed = new AtomicBoolean();
        slow.forwarding(committed::get);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        committed.set(true); // the response is committed: a slow reader now holds nothing back
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("c")).isEqualTo(25_000);

        assertThat(slow.startRefund()).isEqualTo(RefundHold.Refund.FINAL);
        slow.end();
        assertEverythingSettledExactlyOnce();
    }

    @Test
    void aHeldChargeIsClaimedOnceItsRefundWindowHasPassedAndIsThenNeverRefunded() throws Exception {
        MutableClock clock = MutableClock.atNow();
        settler(clock, Duration.ofSeconds(30));
        RefundHold stuck = heldCharge("d", 15_000);
        stuck.forwarding(() -> false); // the app never answers

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        clock.advance(Duration.ofSeconds(29));
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        clock.advance(Duration.ofSeconds(1));
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("d")).isEqualTo(15_000);

        assertThat(refund(stuck)).as("final: a failure after the window is not refunded").isFalse();
        assertThat(ledger.remaining(scrip("d"))).isEqualTo(10_000_000 - 15_000);
        assertEverythingSettledExactlyOnce();
    }

    @Test
    void onABusySiteTheBacklogAgeStaysWithinAPassInterval_thoughNoPassEverFindsNothingToClaim() throws Exception {
        MutableClock clock = MutableClock.atNow();
        settler(clock, Duration.ofSeconds(30));
        Duration interval = Duration.ofSeconds(10); // the batch's iat runs ahead of the broker's clock: within 60 s
        for (int pass = 0; pass < 5; pass++) {
            charge("busy-" + pass, 1_000); // a charge each interval, each after the pass before it
            settler.charged();
            clock.advance(interval);
            assertThat(settler.backlogAge()).as("pass " + pass).hasValueSatisfying(age -> assertThat(age)
                    .isLessThanOrEqualTo(interval));
            assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        }
        assertEverythingSettledExactlyOnce();
        assertThat(settler.backlogAge()).contains(Duration.ZERO); // since the last pass began: nothing came since
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        assertThat(settler.backlogAge()).isEmpty();
    }

    @Test
    void aRefundAfterTheWindowIsRefusedEvenBeforeAnySettlementPassLooked() throws Exception {
        MutableClock clock = MutableClock.atNow();
        settler(clock, Duration.ofSeconds(30));
        RefundHold late = heldCharge("e", 15_000);
        late.forwarding(() -> false);
        RefundHold early = heldCharge("e", 1_000);
        early.forwarding(() -> false);
        assertThat(refund(early)).isTrue();

        clock.advance(Duration.ofSeconds(31));
        assertThat(refund(late)).isFalse();
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertEverythingSettledExactlyOnce();
        assertThat(broker.redeemed("e")).isEqualTo(15_000);
    }

    @Test
    void aBrokerThatIsDownIsRetriedWithBackoffAndPaidExactlyOnceWhenItIsBack() throws Exception {
        settler(500, Duration.ofMillis(20)).startThread();
        broker.answer503(true);
        charge("a", 150_000);
        charge("b", 90_000);
        Poll.until("three attempts failed with 503", () -> settler.status().consecutiveFailures() >= 3);
        assertThat(settler.status().lastError()).hasValueSatisfying(e -> assertThat(e).contains("503"));
        assertThat(settler.status().unsettledMicros()).isEqualTo(240_000);

        broker.answer503(false);
        broker.refuseConnections(true);
        int failedSoFar = settler.status().consecutiveFailures();
        Poll.until("attempts failed with refused connections",
                () -> settler.status().consecutiveFailures() >= failedSoFar + 3);
        assertThat(settler.status().lastError()).hasValueSatisfying(
                e -> assertThat(e).contains("cannot reach the broker"));
        charge("a", 5);

        broker.refuseConnections(false);
        // The ledger is marked settled before the settler records its success: wait for both.
        Poll.until("everything is settled",
                () -> settler.status().unsettledScrip() == 0 && settler.status().consecutiveFailures() == 0);
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
        Poll.until("the charges are settled", () -> settler.status().unsettledScrip() <= 2);
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
    void aRedemptionAnswerLargerThanTheBatchCanNeedFailsTheBatchAndSettlesNothing() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 50_000);
        broker.padAnswers(RedemptionPoster.ANSWER_BYTES + RedemptionPoster.ANSWER_BYTES_PER_CLAIM);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.FAILED);

        assertThat(ledger.unsettled(10)).singleElement().satisfies(total ->
                assertThat(total.unsettledMicros()).isEqualTo(50_000));
        assertThat(settler.status().lastError()).hasValueSatisfying(error -> assertThat(error)
                .contains("larger than " + (RedemptionPoster.ANSWER_BYTES + RedemptionPoster.ANSWER_BYTES_PER_CLAIM) + " bytes"));

        broker.padAnswers(RedemptionPoster.ANSWER_BYTES / 2);
        assertThat(settler.settleOnce()).as("an answer within the bound is read").isEqualTo(Settler.Outcome.SENT);
        assertEverythingSettledExactlyOnce();
    }

    @Test
    void anEndlessRedemptionAnswerFailsTheBatchAtTheBoundNotAtTheTimeout() throws Exception {
        settler(500, Duration.ofHours(1));
        charge("a", 50_000);
        broker.endlessAnswers(true);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.FAILED);

        assertThat(settler.status().lastError()).hasValueSatisfying(error ->
                assertThat(error).contains("larger than").doesNotContain("no answer within"));
        assertThat(ledger.unsettled(10)).hasSize(1);
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
