package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seller settling from several ledgers (gateway nodes, docs/PROTOCOL.md section 6 "Several ledgers"): claims are
 * cumulative per (scrip, ledger), the budget holds over their sum, online charges and voids count per ledger, and the
 * ledgers one scrip is redeemed from are bounded.
 */
final class LedgerRedemptionTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private TestSellers.Key seller;
    private Buyer buyer;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private String scrip(long budget) {
        Answer a = TestBrokers.issue(broker, buyer, "daily-byte", budget);
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.text("jti");
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    /** One claim of {@code spent} on {@code scrip} from {@code ledger} ({@code null}: the single ledger). */
    private Answer claim(String scrip, String ledger, long spent) {
        ObjectNode batch = TestSellers.batch(seller, now(), Map.of());
        ObjectNode claim = ((ArrayNode) batch.get("claims")).addObject().put("jti", scrip)
                .put("spent", Long.toString(spent));
        if (ledger != null) {
            claim.put("ledger", ledger);
        }
        return TestSellers.post(broker, TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE), batch));
    }

    private static JsonNode only(Answer a) {
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json().get("results").get(0);
    }

    private long credited() throws Exception {
        return broker.statements().creditsBySeller().get("daily-byte")[0];
    }

    @Test
    void eachLedgersCumulativeClaimIsCreditedOnceAndTheSellerGetsTheSum() throws Exception {
        String s = scrip(1_000_000);
        assertThat(only(claim(s, "a1", 100_000)).get("redeemed").asText()).isEqualTo("100000");
        assertThat(only(claim(s, "b2", 250_000)).get("redeemed").asText()).isEqualTo("250000");
        JsonNode again = only(claim(s, "a1", 100_000));
        assertThat(again.get("status").asText()).isEqualTo("unchanged");
        assertThat(again.get("redeemed").asText()).as("this ledger's cumulative").isEqualTo("100000");
        assertThat(only(claim(s, "a1", 150_000)).get("credited").asText()).isEqualTo("50000");
        assertThat(only(claim(s, null, 30_000)).get("credited").asText()).as("the single ledger is one more")
                .isEqualTo("30000");

        assertThat(credited()).isEqualTo(430_000);
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("reserved")).isEqualTo(1_000_000 - 430_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void theBudgetHoldsOverTheSumOfTheLedgers() throws Exception {
        String s = scrip(300_000);
        assertThat(only(claim(s, "a1", 200_000)).get("credited").asText()).isEqualTo("200000");
        JsonNode capped = only(claim(s, "b2", 200_000));
        assertThat(capped.get("credited").asText()).isEqualTo("100000");
        assertThat(capped.get("redeemed").asText()).isEqualTo("100000");
        assertThat(only(claim(s, "c3", 1)).get("status").asText()).isEqualTo("unchanged");
        assertThat(credited()).isEqualTo(300_000);
    }

    @Test
    void onlineChargesAndTheirVoidsCountForTheChargingLedger() throws Exception {
        String s = scrip(1_000_000);
        ObjectNode request = OnlineChargesTest.claims(seller, now(), "r-a1-1", s, "40000").put("ledger", "a1");
        assertThat(OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller, request)).status()).isEqualTo(200);
        ObjectNode other = OnlineChargesTest.claims(seller, now(), "r-a1-1", s, "40000").put("ledger", "b2");
        assertThat(OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller, other)).text("error"))
                .as("the same charge id from another ledger").isEqualTo("charge_conflict");
        // b2's claim is not lowered by a1's online charge; a1's cumulative claim includes it.
        assertThat(only(claim(s, "b2", 60_000)).get("credited").asText()).isEqualTo("60000");
        assertThat(only(claim(s, "a1", 70_000)).get("credited").asText()).isEqualTo("30000");

        Answer voided = OnlineVoidsTest.voidCharges(broker, seller, now(), "r-a1-1");
        assertThat(voided.status()).as(voided.body()).isEqualTo(200);
        // a1's claim without the voided charge puts its total right: 30000 credited again, b2 untouched.
        JsonNode after = only(claim(s, "a1", 30_000));
        assertThat(after.get("status").asText()).isEqualTo("unchanged");
        assertThat(after.get("redeemed").asText()).isEqualTo("30000");
        assertThat(only(claim(s, "b2", 60_000)).get("redeemed").asText()).isEqualTo("60000");
        assertThat(credited()).isEqualTo(90_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aScripIsRedeemedFromAtMost64LedgersAndBadLedgerIdsAreRefused() throws Exception {
        String s = scrip(1_000_000);
        for (int i = 0; i < ScripLedgers.MAX_PER_SCRIP; i++) {
            assertThat(only(claim(s, "n" + i, 1)).get("status").asText()).isEqualTo("credited");
        }
        JsonNode refused = only(claim(s, "one-more", 1));
        assertThat(refused.get("status").asText()).isEqualTo("refused");
        assertThat(refused.get("reason").asText()).isEqualTo("too_many_ledgers");
        assertThat(only(claim(s, "n7", 2)).get("credited").asText()).as("a ledger seen before goes on").isEqualTo("1");
        ObjectNode charge = OnlineChargesTest.claims(seller, now(), "r-x", s, "1").put("ledger", "one-more");
        assertThat(OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller, charge)).text("error"))
                .isEqualTo("too_many_ledgers");

        for (String bad : new String[] {"", "a b", "x".repeat(65), "ü"}) {
            Answer a = claim(s, bad, 1);
            assertThat(a.status()).as(bad).isEqualTo(400);
            assertThat(a.text("error")).isEqualTo("invalid_ledger");
        }
        assertThat(credited()).isEqualTo(65);
    }

    @Test
    void atExpiryTheBuyerGetsBackTheBudgetLessWhatAllLedgersRedeemed() throws Exception {
        String s = scrip(1_000_000);
        only(claim(s, "a1", 100_000));
        only(claim(s, "b2", 200_000));
        clock.advance(Duration.ofDays(3));
        assertThat(broker.returnExpiredScrip()).isEqualTo(1);

        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("balance")).isEqualTo(5_000_000 - 300_000);
        assertThat(me.micros("reserved")).isZero();
        assertThat(credited()).isEqualTo(300_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }
}
