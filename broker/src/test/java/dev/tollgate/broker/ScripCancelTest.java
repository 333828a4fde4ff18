package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * {@code POST /v1/scrip/cancel} (docs/PROTOCOL.md section 10): a seller returns scrip it will never charge, and the
 * buyer's budget is back in the balance at once; only its own, unused scrip; idempotent; verified like a
 * redemption batch; body bounded.
 */
final class ScripCancelTest {

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

    private ObjectNode claims(TestSellers.Key by, String scrip) {
        long now = clock.instant().getEpochSecond();
        ObjectNode p = TestSellers.JSON.createObjectNode();
        p.put("iss", by.id());
        p.put("aud", TestBrokers.ISSUER);
        p.put("iat", now);
        p.put("exp", now + 60);
        p.put("jti", "cancel-" + Long.toHexString(System.nanoTime()));
        p.put("scrip", scrip);
        return p;
    }

    private Answer cancel(TestSellers.Key by, ObjectNode claims) {
        return post(TestSellers.sign(by.pair().getPrivate(), TestSellers.header(by.kid(), ScripCancels.CANCEL_TYPE),
                claims));
    }

    private Answer cancel(TestSellers.Key by, String scrip) {
        return cancel(by, claims(by, scrip));
    }

    private Answer post(String body) {
        return TestBrokers.send(TestBrokers.request(broker, ApiHandler.CANCEL_PATH, null)
                .header("Content-Type", "application/jose")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private JsonNode me() {
        return TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json();
    }

    @Test
    void anUnusedScripsWholeBudgetIsBackInTheBalanceAtOnce() throws Exception {
        String jti = scrip("daily-byte", 700_000);
        assertThat(me().path("balance").asText()).isEqualTo("4300000");

        Answer answer = cancel(seller, jti);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.text("status")).isEqualTo("returned");
        assertThat(answer.text("scrip")).isEqualTo(jti);
        assertThat(answer.text("returned")).isEqualTo("700000");
        JsonNode me = me();
        assertThat(me.path("balance").asText()).isEqualTo("5000000");
        assertThat(me.path("reserved").asText()).isEqualTo("0");
        assertThat(me.path("scrip").get(0).path("status").asText()).isEqualTo("returned");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aRepeatedCancelAnswersTheSameAndReturnsNothingMore() {
        String jti = scrip("daily-byte", 700_000);
        assertThat(cancel(seller, jti).status()).isEqualTo(200);

        Answer again = cancel(seller, jti);

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.text("returned")).isEqualTo("700000");
        assertThat(me().path("balance").asText()).isEqualTo("5000000");
    }

    @Test
    void aCancelledScripCannotBeRedeemedOrChargedAfterwards() {
        String jti = scrip("daily-byte", 700_000);
        cancel(seller, jti);

        Answer redeemed = TestSellers.redeem(broker, seller, clock.instant().getEpochSecond(),
                Map.of(jti, "50000"));

        assertThat(redeemed.json().path("results").get(0).path("status").asText()).isEqualTo("refused");
        assertThat(me().path("balance").asText()).isEqualTo("5000000");
    }

    @Test
    void scripWithARedemptionIsNotCancelled() {
        String jti = scrip("daily-byte", 700_000);
        TestSellers.redeem(broker, seller, clock.instant().getEpochSecond(), Map.of(jti, "50000"));

        Answer answer = cancel(seller, jti);

        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.text("error")).isEqualTo("scrip_used");
        assertThat(me().path("reserved").asText()).isEqualTo("650000");
    }

    @Test
    void onlyTheSellersOwnKnownScripIsCancelled() {
        String jti = scrip("daily-byte", 700_000);

        Answer wrongSeller = cancel(other, jti);
        Answer unknown = cancel(seller, "no-such-scrip");

        assertThat(wrongSeller.status()).isEqualTo(403);
        assertThat(wrongSeller.text("error")).isEqualTo("wrong_seller");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.text("error")).isEqualTo("unknown_scrip");
        assertThat(me().path("reserved").asText()).isEqualTo("700000");
    }

    @Test
    void theRequestIsVerifiedLikeARedemptionBatch() {
        String jti = scrip("daily-byte", 700_000);
        ObjectNode claims = claims(seller, jti);
        String signed = TestSellers.sign(seller.pair().getPrivate(), TestSellers.header(seller.kid(),
                ScripCancels.CANCEL_TYPE), claims);
        String forged = signed.substring(0, signed.lastIndexOf('.') + 1) + "A".repeat(86);
        String wrongType = TestSellers.sign(seller.pair().getPrivate(), TestSellers.header(seller.kid(),
                Settlement.REDEMPTION_TYPE), claims);
        ObjectNode otherBroker = claims(seller, jti).put("aud", "https://other-broker.test");
        ObjectNode tooLong = claims(seller, jti);
        tooLong.put("exp", tooLong.path("iat").asLong() + 3600);
        ObjectNode unknownClaim = claims(seller, jti).put("spent", "0");

        assertThat(post(forged).status()).isEqualTo(401);
        assertThat(post(wrongType).status()).isEqualTo(400);
        assertThat(cancel(seller, otherBroker).status()).isEqualTo(400);
        assertThat(cancel(seller, tooLong).status()).isEqualTo(400);
        assertThat(cancel(seller, unknownClaim).status()).isEqualTo(400);
        clock.advance(Duration.ofMinutes(5));
        assertThat(post(signed).text("error")).isEqualTo("expired_request");
        assertThat(me().path("reserved").asText()).isEqualTo("700000");
    }

    @Test
    void aBodyOver4KiBIsRefusedUnread() {
        Answer answer = post("a".repeat(ScripCancels.MAX_BODY_BYTES + 1));

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.text("error")).isEqualTo("body_too_large");
    }
}
