package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/** Sellers redeem what they charged: exactly once, never more than the budget, only their own scrip. */
final class RedemptionTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private TestSellers.Key seller;
    private TestSellers.Key other;
    private Buyer buyer;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        other = TestSellers.register(broker, "other-news");
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private String scrip(String sellerId, long budget) {
        Answer a = TestBrokers.issue(broker, buyer, sellerId, budget);
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        return a.text("jti");
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private long credited(String sellerId) throws Exception {
        return broker.statements().creditsBySeller().get(sellerId)[0];
    }

    private static JsonNode result(Answer a, String jti) {
        for (JsonNode r : a.json().get("results")) {
            if (r.get("jti").asText().equals(jti)) {
                return r;
            }
        }
        throw new AssertionError("no result for " + jti + " in " + a.body());
    }

    @Test
    void aBatchCreditsExactlyTheClaimedAmountsAndTheBuyerSeesThemRedeemed() throws Exception {
        String a = scrip("daily-byte", 1_000_000);
        String b = scrip("daily-byte", 500_000);
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put(a, "150000");
        claims.put(b, "0");
        Answer answer = TestSellers.redeem(broker, seller, now(), claims);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("results")).hasSize(2);
        assertThat(result(answer, a).get("status").asText()).isEqualTo("credited");
        assertThat(result(answer, a).get("credited").asText()).isEqualTo("150000");
        assertThat(result(answer, a).get("redeemed").asText()).isEqualTo("150000");
        assertThat(result(answer, b).get("status").asText()).isEqualTo("unchanged");
        assertThat(result(answer, b).get("redeemed").asText()).isEqualTo("0");
        assertThat(credited("daily-byte")).isEqualTo(150_000);

        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("balance")).isEqualTo(3_500_000);
        assertThat(me.micros("reserved")).isEqualTo(1_500_000 - 150_000);
        for (JsonNode s : me.json().get("scrip")) {
            assertThat(s.get("status").asText()).isEqualTo("active");
            assertThat(s.get("redeemed").asText()).isEqualTo(s.get("jti").asText().equals(a) ? "150000" : "0");
        }

        // Cumulative: a later claim of 400000 credits the 250000 difference.
        Answer later = TestSellers.redeem(broker, seller, now(), Map.of(a, "400000"));
        assertThat(result(later, a).get("credited").asText()).isEqualTo("250000");
        assertThat(result(later, a).get("redeemed").asText()).isEqualTo("400000");
        assertThat(credited("daily-byte")).isEqualTo(400_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aReplayedBatchPaysNothingTwice() throws Exception {
        String a = scrip("daily-byte", 1_000_000);
        String jws = TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE),
                TestSellers.batch(seller, now(), Map.of(a, "300000")));
        Answer first = TestSellers.post(broker, jws);
        Answer replay = TestSellers.post(broker, jws);
        // A smaller cumulative claim (an older batch arriving late) pays nothing either.
        Answer stale = TestSellers.redeem(broker, seller, now(), Map.of(a, "100000"));

        assertThat(result(first, a).get("status").asText()).isEqualTo("credited");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(result(replay, a).get("status").asText()).isEqualTo("unchanged");
        assertThat(result(replay, a).get("credited").asText()).isEqualTo("0");
        assertThat(result(replay, a).get("redeemed").asText()).isEqualTo("300000");
        assertThat(result(stale, a).get("status").asText()).isEqualTo("unchanged");
        assertThat(credited("daily-byte")).isEqualTo(300_000);
        assertThat(broker.statements().creditsBySeller().get("daily-byte")[1]).isEqualTo(300_000);
    }

    @Test
    void anOverClaimCreditsOnlyTheBudget() throws Exception {
        String a = scrip("daily-byte", 250_000);
        Answer answer = TestSellers.redeem(broker, seller, now(), Map.of(a, "9223372036854775807"));

        assertThat(result(answer, a).get("status").asText()).isEqualTo("credited");
        assertThat(result(answer, a).get("credited").asText()).isEqualTo("250000");
        assertThat(result(answer, a).get("redeemed").asText()).isEqualTo("250000");
        assertThat(credited("daily-byte")).isEqualTo(250_000);
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("reserved")).isZero();
        assertThat(me.micros("balance")).isEqualTo(4_750_000);
    }

    @Test
    void aClaimOnAnotherSellersScripOrOnUnknownScripIsRefusedAndTheRestIsPaid() throws Exception {
        String mine = scrip("daily-byte", 100_000);
        String theirs = scrip("other-news", 100_000);
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put(theirs, "100000");
        claims.put("no-such-scrip", "5");
        claims.put(mine, "40000");
        Answer answer = TestSellers.redeem(broker, seller, now(), claims);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(result(answer, theirs).get("status").asText()).isEqualTo("refused");
        assertThat(result(answer, theirs).get("reason").asText()).isEqualTo("wrong_seller");
        assertThat(result(answer, "no-such-scrip").get("reason").asText()).isEqualTo("unknown_scrip");
        assertThat(result(answer, mine).get("credited").asText()).isEqualTo("40000");
        assertThat(credited("daily-byte")).isEqualTo(40_000);
        assertThat(credited("other-news")).isZero();
        // The results come in the order of the claims.
        assertThat(answer.json().get("results").get(0).get("jti").asText()).isEqualTo(theirs);
        assertThat(answer.json().get("results").get(2).get("jti").asText()).isEqualTo(mine);

        Answer theirsRedeemed = TestSellers.redeem(broker, other, now(), Map.of(theirs, "100000"));
        assertThat(result(theirsRedeemed, theirs).get("credited").asText()).isEqualTo("100000");
    }

    @Test
    void aSellerCannotRegisterAKeyAnotherSellerAlreadyHas() {
        String spki = java.util.Base64.getEncoder().encodeToString(seller.pair().getPublic().getEncoded());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> broker.registerSeller(Seller.of("copycat",
                "Copycat", spki, java.util.List.of("https://copycat.example"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("daily-byte");
        assertThat(broker.seller("daily-byte").orElseThrow().keyThumbprint()).isEqualTo(seller.kid());
    }
}
