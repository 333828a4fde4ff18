package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.PendingVoid;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox of online voids with a real ledger file and a real HTTP broker double: a refunded online charge is
 * voided before its scrip is claimed, a scrip waits for its void, a void queued before a crash is finished after it,
 * and nothing wedges when the broker does not take voids.
 */
final class OnlineVoidsTest {

    private static final long BUDGET = 10_000_000;

    @TempDir
    Path dir;

    private SqliteLedger ledger;
    private FakeRedemptionBroker broker;
    private SellerKey key;
    private Settler settler;

    @BeforeEach
    void start() throws Exception {
        ledger = open();
        broker = new FakeRedemptionBroker();
        key = SellerKey.loadOrCreate(dir);
        broker.register(key.publicJwk());
        settler = settler();
    }

    @AfterEach
    void stop() throws Exception {
        settler.close(Duration.ZERO);
        ledger.close();
        broker.close();
    }

    private SqliteLedger open() {
        return SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
    }

    /** A settler whose passes the test runs itself; backoff after a failure is zero, so the next pass retries. */
    private Settler settler() {
        Settler s = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, Duration.ofHours(1), 500,
                Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)), ledger, key, Clock.systemUTC());
        s.onlineVoids().chargeUri(broker.chargeUri());
        return s;
    }

    private static ScripAccount scrip(String jti) {
        return new ScripAccount(ISSUER, jti, "buyer-" + jti, SELLER, BUDGET, "USD", Instant.now().plusSeconds(3600));
    }

    private ChargeResult.Charged charge(String jti, long micros) throws Exception {
        ChargeResult result = ledger.charge(scrip(jti), micros, "/live/" + jti);
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return (ChargeResult.Charged) result;
    }

    /** An online charge the broker confirmed whose content then failed: its void is queued, then it is refunded. */
    private String failedOnlineCharge(String jti, long micros) throws Exception {
        ChargeResult.Charged online = charge(jti, micros);
        broker.onlineCharge(online.receiptId(), jti, micros);
        assertThat(settler.onlineVoids().refund(online.receiptId(), jti, () -> refund(online.receiptId()))).isTrue();
        return online.receiptId();
    }

    private boolean refund(String receiptId) {
        try {
            return ledger.refund(receiptId);
        } catch (dev.tollgate.gateway.ledger.LedgerUnavailableException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aRefundedOnlineChargeIsVoidedAtTheBrokerBeforeItsScripIsClaimed() throws Exception {
        String receipt = failedOnlineCharge("s", 100_000);
        charge("s", 30_000);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);

        assertThat(broker.voided()).containsExactly(receipt);
        assertThat(broker.paths()).containsExactly(FakeRedemptionBroker.VOID_PATH, FakeRedemptionBroker.PATH);
        assertThat(broker.redeemed("s")).as("the broker keeps only what was served").isEqualTo(30_000);
        assertThat(ledger.pendingVoids(10)).isEmpty();
        assertThat(ledger.unsettled(10)).isEmpty();
        assertThat(settler.status().refusedScrip()).isZero();
        assertThat(ledger.remaining(scrip("s"))).isEqualTo(BUDGET - 30_000);
    }

    @Test
    void aScripWaitsForItsVoidWhileOtherScripAreClaimed() throws Exception {
        broker.refuseVoids(true);
        failedOnlineCharge("s", 100_000);
        charge("s", 30_000);
        charge("t", 5_000);

        settler.settleOnce();

        assertThat(broker.claimsOn("s")).isZero();
        assertThat(broker.redeemed("t")).isEqualTo(5_000);
        assertThat(ledger.pendingVoids(10)).hasSize(1);

        broker.refuseVoids(false);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed("s")).isEqualTo(30_000);
        assertThat(ledger.pendingVoids(10)).isEmpty();
        assertThat(ledger.unsettled(10)).isEmpty();
    }

    @Test
    void aScripClaimedAfterItsHoldIsClaimedAgainOnceItsVoidLands() throws Exception {
        settler.onlineVoids().holdFor(Duration.ZERO);
        broker.refuseVoids(true);
        failedOnlineCharge("s", 100_000);
        charge("s", 30_000);

        settler.settleOnce();

        // The broker still counts the online charge: nothing is credited, and nothing is recorded as settled.
        assertThat(broker.claimsOn("s")).isEqualTo(1);
        assertThat(broker.redeemed("s")).isEqualTo(100_000);
        assertThat(ledger.unsettled(10)).singleElement().satisfies(t -> assertThat(t.settledMicros()).isZero());
        assertThat(settler.status().refusedScrip()).as("never left out of settlement").isZero();

        broker.refuseVoids(false);
        settler.settleOnce();

        assertThat(broker.redeemed("s")).isEqualTo(30_000);
        assertThat(ledger.unsettled(10)).isEmpty();
        assertThat(ledger.pendingVoids(10)).isEmpty();
    }

    @Test
    void aVoidQueuedRightBeforeACrashIsRefundedAndVoidedAfterTheRestart() throws Exception {
        ChargeResult.Charged online = charge("s", 100_000);
        broker.onlineCharge(online.receiptId(), "s", 100_000);
        charge("s", 30_000);
        ledger.queueVoid(online.receiptId()); // the process dies before the refund
        settler.close(Duration.ZERO);
        ledger.close();

        ledger = open();
        settler = settler();
        assertThat(ledger.pendingVoids(10)).singleElement().satisfies(v -> {
            assertThat(v.receiptId()).isEqualTo(online.receiptId());
            assertThat(v.refunded()).isFalse();
            assertThat(v.amountMicros()).isEqualTo(100_000);
            assertThat(v.jti()).isEqualTo("s");
        });
        settler.settleOnce();

        assertThat(ledger.remaining(scrip("s"))).isEqualTo(BUDGET - 30_000);
        assertThat(broker.voided()).containsExactly(online.receiptId());
        assertThat(broker.redeemed("s")).isEqualTo(30_000);
        assertThat(ledger.pendingVoids(10)).isEmpty();
    }

    @Test
    void aVoidWhoseAnswerWasLostIsSentAgainAndConfirmedOnce() throws Exception {
        String receipt = failedOnlineCharge("s", 100_000);
        broker.dropAnswers(1);

        settler.settleOnce();
        assertThat(broker.voided()).containsExactly(receipt);
        assertThat(ledger.pendingVoids(10)).hasSize(1);

        settler.settleOnce();
        assertThat(ledger.pendingVoids(10)).isEmpty();
        assertThat(broker.redeemed("s")).isZero();
    }

    @Test
    void onlineChargesStopBeforeTheOutboxOverflows() throws Exception {
        broker.refuseVoids(true);
        OnlineVoids voids = settler.onlineVoids();
        for (int i = 0; i < OnlineVoids.MAX_PENDING_PER_SCRIP; i++) {
            assertThat(voids.admits("s")).isTrue();
            failedOnlineCharge("s", 1_000);
        }
        assertThat(voids.admits("s")).isFalse();
        assertThat(voids.admits("t")).isTrue();
        settler.settleOnce();
        assertThat(voids.admits("s")).as("the count is rebuilt from the ledger").isFalse();

        broker.refuseVoids(false);
        settler.settleOnce();
        assertThat(voids.admits("s")).isTrue();
        List<PendingVoid> left = ledger.pendingVoids(100);
        assertThat(left).isEmpty();
        assertThat(broker.redeemed("s")).isZero();
    }
}
