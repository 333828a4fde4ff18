package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A charge whose request is still running is left out of its scrip's claim, and the scrip is then recorded settled
 * up to that claim: it is not claimed again at every pass while requests of it run, so buyers who keep requests in
 * flight on older scrip cannot fill every batch and starve newer scrip's claims. Real SQLite ledger, the HTTP broker
 * stand-in.
 */
final class HeldChargesSettlementTest {

    private static final long BUDGET = 10_000_000;

    @TempDir
    Path dir;

    private SqliteLedger ledger;
    private FakeRedemptionBroker broker;
    private Settler settler;

    private void start(int batchSize) throws Exception {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        broker = new FakeRedemptionBroker();
        SellerKey key = SellerKey.loadOrCreate(dir);
        broker.register(key.publicJwk());
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, Duration.ofHours(1),
                batchSize, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)), ledger, key, Clock.systemUTC());
        settler.onlineVoids().chargeUri(broker.chargeUri());
    }

    @AfterEach
    void stop() throws Exception {
        if (settler != null) {
            settler.close(Duration.ZERO);
            ledger.close();
            broker.close();
        }
    }

    private static ScripAccount scrip(String jti) {
        return new ScripAccount(ISSUER, jti, "buyer-" + jti, SELLER, BUDGET, "USD", Instant.now().plusSeconds(3600));
    }

    private void charge(String jti, long micros, String path) throws Exception {
        assertThat(ledger.charge(scrip(jti), micros, path)).isInstanceOf(ChargeResult.Charged.class);
    }

    /** A paid request whose app is still running (well inside the refund window): its charge is held. */
    private RefundHold inFlight(String jti, long micros, String path) throws Exception {
        RefundHold hold = settler.holds().scrip(ISSUER, jti, micros);
        charge(jti, micros, path);
        hold.forwarding(() -> false); // handed to the app, nothing committed yet
        return hold;
    }

    @Test
    void aScripWithARequestInFlightIsRecordedSettledUpToWhatWasClaimedAndNotSentAgainAtEveryPass() throws Exception {
        start(500);
        charge("a", 30_000, "/articles/read"); // final
        RefundHold slow = inFlight("a", 10_000, "/articles/slow");

        for (int i = 0; i < 5; i++) {
            settler.settleOnce();
        }

        assertThat(broker.redeemed("a")).isEqualTo(30_000);
        assertThat(broker.claimsOn("a")).as("claims of the same 30,000 on scrip a while one request is in flight")
                .isEqualTo(1);
        slow.end();
    }

    @Test
    void buyersKeepingRequestsInFlightOnOlderScripNeverStarveTheClaimsOfNewerScrip() throws Exception {
        int batch = 2;
        start(batch);
        List<RefundHold> slow = new ArrayList<>();
        for (int i = 0; i < batch; i++) { // the attacker's scrip, first seen before the victim's
            charge("attacker-" + i, 1_000, "/articles/cheap");
            slow.add(inFlight("attacker-" + i, 1_000, "/articles/slow-" + i));
        }
        charge("victim", 50_000, "/articles/bought");

        // What the settler thread does while batches come back full (Settler.run): pass after pass.
        for (int i = 0; i < 20; i++) {
            settler.settleOnce();
        }

        assertThat(broker.redeemed("victim")).as("the victim's 50,000 claimed").isEqualTo(50_000);
        slow.forEach(RefundHold::end);
    }

    @Test
    void aFullBatchOfClaimsThatCannotSettleYetIsNotSentAgainAtOnce() throws Exception {
        int batch = 2;
        start(batch);
        List<RefundHold> online = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            String jti = "online-" + i;
            charge(jti, 1_000, "/articles/read");
            // An online charge the broker confirmed whose request is still running: the broker counts it.
            RefundHold hold = settler.holds().scrip(ISSUER, jti, 5_000);
            hold.sentToBroker();
            ChargeResult result = ledger.charge(scrip(jti), 5_000, "/live/slow");
            broker.onlineCharge(((ChargeResult.Charged) result).receiptId(), jti, 5_000);
            hold.forwarding(() -> false);
            online.add(hold);
        }
        settler.settleOnce();

        assertThat(settler.settleOnce()).as("nothing settled: the settler waits for its interval")
                .isEqualTo(Settler.Outcome.SENT);
        online.forEach(RefundHold::end);
        settler.settleOnce();
        for (int i = 0; i < batch; i++) {
            assertThat(broker.redeemed("online-" + i)).isEqualTo(6_000);
        }
        assertThat(ledger.unsettled(10)).isEmpty();
    }
}
