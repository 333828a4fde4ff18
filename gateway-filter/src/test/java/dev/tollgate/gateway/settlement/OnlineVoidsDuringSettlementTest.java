package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Refund holds and the online-void outbox together: the settler reads the void outbox at the start of a pass and the
 * totals and holds after. An online charge the broker confirmed whose app fails while the pass runs (its void queued
 * after the outbox was read) must not make the settler record as settled money the broker takes back when the void
 * lands. Real SQLite ledger, the HTTP broker stand-in.
 */
final class OnlineVoidsDuringSettlementTest {

    private static final long BUDGET = 10_000_000;

    @TempDir
    Path dir;

    private SqliteLedger ledger;
    private FakeRedemptionBroker broker;
    private Settler settler;
    /** Run once, right after the settler read the ledger's totals (the void outbox was read before). */
    private final AtomicReference<Runnable> duringRead = new AtomicReference<>();
    /** Run once, right after the settler read the void outbox. */
    private final AtomicReference<Runnable> afterOutboxRead = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        broker = new FakeRedemptionBroker();
        SellerKey key = SellerKey.loadOrCreate(dir);
        broker.register(key.publicJwk());
        Ledger reading = (Ledger) Proxy.newProxyInstance(Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class},
                (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(ledger, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    Runnable hook = method.getName().equals("unsettled") ? duringRead.getAndSet(null)
                            : method.getName().equals("pendingVoids") ? afterOutboxRead.getAndSet(null) : null;
                    if (hook != null) {
                        hook.run();
                    }
                    return result;
                });
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, Duration.ofHours(1), 500,
                Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)), reading, key, Clock.systemUTC());
        settler.onlineVoids().chargeUri(broker.chargeUri());
    }

    @AfterEach
    void stop() throws Exception {
        settler.close(Duration.ZERO);
        ledger.close();
        broker.close();
    }

    private static ScripAccount scrip(String jti) {
        return new ScripAccount(ISSUER, jti, "buyer-" + jti, SELLER, BUDGET, "USD", Instant.now().plusSeconds(3600));
    }

    private ChargeResult.Charged charge(String jti, long micros, String path) throws Exception {
        ChargeResult result = ledger.charge(scrip(jti), micros, path);
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return (ChargeResult.Charged) result;
    }

    @Test
    void anOnlineChargeRefundedWhileAPassRunsNeverLeavesItsScripUnderClaimed() throws Exception {
        charge("s", 30_000, "/articles/served"); // served and final: the seller must end up with these 30,000
        // The request path: a hold, the local charge, the broker's confirmation; the app has not answered yet.
        RefundHold hold = settler.holds().scrip(ISSUER, "s", 100_000);
        ChargeResult.Charged online = charge("s", 100_000, "/live/fails");
        hold.sentToBroker();
        broker.onlineCharge(online.receiptId(), "s", 100_000);
        // The app answers 500 while the settler's pass runs: PaidForwarding.refundOnline.
        duringRead.set(() -> {
            assertThat(hold.startRefund()).isEqualTo(RefundHold.Refund.GO);
            try {
                assertThat(settler.onlineVoids().refund(online.receiptId(), "s", () -> {
                    try {
                        return ledger.refund(online.receiptId());
                    } catch (LedgerUnavailableException e) {
                        throw new IllegalStateException(e);
                    }
                })).isTrue();
            } finally {
                hold.refundDone();
            }
        });

        settler.settleOnce(); // the pass during which the app failed
        settler.settleOnce(); // sends the void
        settler.settleOnce(); // claims again whatever is still due
        settler.settleOnce();

        assertThat(ledger.pendingVoids(10)).as("the void landed").isEmpty();
        assertThat(broker.redeemed("s")).as("what the broker credits the seller on scrip s for the 30,000 served")
                .isEqualTo(30_000);
    }

    /** An online charge the broker confirmed whose content failed: its void queued, then refunded locally. */
    private void failedOnlineCharge(String jti) {
        try {
            ChargeResult.Charged online = charge(jti, 1_000, "/live/" + jti);
            broker.onlineCharge(online.receiptId(), jti, 1_000);
            assertThat(settler.onlineVoids().refund(online.receiptId(), jti, () -> {
                try {
                    return ledger.refund(online.receiptId());
                } catch (LedgerUnavailableException e) {
                    throw new IllegalStateException(e);
                }
            })).isTrue();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void voidsQueuedWhileAPassRunsCountAgainstTheirScripsLimit() throws Exception {
        afterOutboxRead.set(() -> {
            for (int i = 0; i < OnlineVoids.MAX_PENDING_PER_SCRIP; i++) {
                failedOnlineCharge("t");
            }
        });
        charge("s", 30_000, "/articles/served"); // something to claim, so the pass runs to its end

        settler.settleOnce();

        assertThat(ledger.pendingVoids(100)).as("queued after the pass read the outbox: not sent yet")
                .hasSize(OnlineVoids.MAX_PENDING_PER_SCRIP);
        assertThat(settler.onlineVoids().admits("t")).as("the scrip's voids are at the limit").isFalse();
        assertThat(settler.onlineVoids().admits("s")).isTrue();
        settler.settleOnce(); // sends them
        assertThat(ledger.pendingVoids(100)).isEmpty();
        assertThat(settler.onlineVoids().admits("t")).isTrue();
    }

    @Test
    void aScripWithItsVoidLimitWaitingIsRefusedMoreOnlineChargesWhileAPassReadsAndSendsItsVoids() throws Exception {
        settler.settleOnce(); // a pass: nothing waits
        for (int i = 0; i < OnlineVoids.MAX_PENDING_PER_SCRIP; i++) {
            failedOnlineCharge("t");
        }
        assertThat(settler.onlineVoids().admits("t")).as("before the pass").isFalse();
        boolean[] admittedDuringPass = new boolean[1];
        afterOutboxRead.set(() -> admittedDuringPass[0] = settler.onlineVoids().admits("t"));

        settler.settleOnce();

        assertThat(admittedDuringPass[0]).as("admitted while the pass reads and sends the 16 voids").isFalse();
        assertThat(settler.onlineVoids().admits("t")).as("once they landed").isTrue();
    }
}
