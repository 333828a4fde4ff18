package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * Online charges (docs/PROTOCOL.md section 7) over real HTTP: credited exactly like a redemption, idempotent by charge
 * id, refused with the documented statuses, confirmed by a broker-signed JWS, and consistent with later cumulative
 * offline claims (no double pay).
 */
final class OnlineChargesTest {

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

    static ObjectNode claims(TestSellers.Key seller, long now, String jti, String scrip, String amount) {
        ObjectNode p = TestSellers.JSON.createObjectNode();
        p.put("iss", seller.id());
        p.put("aud", TestBrokers.ISSUER);
        p.put("iat", now);
        p.put("exp", now + 60);
        p.put("jti", jti);
        p.put("scrip", scrip);
        p.put("amount", amount);
        return p;
    }

    static String sign(TestSellers.Key seller, ObjectNode claims) {
        return TestSellers.sign(seller.pair().getPrivate(), TestSellers.header(seller.kid(), Charges.CHARGE_TYPE),
                claims);
    }

    static Answer post(Broker broker, String body) {
        return TestBrokers.send(TestBrokers.request(broker, ApiHandler.CHARGES_PATH, null)
                .header("Content-Type", "application/jose")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private Answer charge(TestSellers.Key by, String jti, String scrip, String amount) {
        return post(broker, sign(by, claims(by, now(), jti, scrip, amount)));
    }

    private static ObjectNode decode(String part) throws Exception {
        return (ObjectNode) TestSellers.JSON.readTree(Base64.getUrlDecoder().decode(part));
    }

    @Test
    void aChargeCreditsTheSellerAndIsConfirmedAndShowsInTheBuyersAccountAndTheStatement() throws Exception {
        String s = scrip("daily-byte", 1_000_000);
        Answer a = charge(seller, "r-1", s, "50000");

        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.text("status")).isEqualTo("charged");
        assertThat(a.text("charge")).isEqualTo("r-1");
        assertThat(a.text("amount")).isEqualTo("50000");
        assertThat(a.text("redeemed")).isEqualTo("50000");
        assertThat(a.text("remaining")).isEqualTo("950000");
        assertThat(credited("daily-byte")).isEqualTo(50_000);
        assertThat(broker.statements().creditsBySeller().get("daily-byte")[1]).isEqualTo(50_000);
        assertThat(broker.statements().totals().conserved()).isTrue();

        // The confirmation: signed by the broker's current key, with the documented header and claims.
        String[] parts = a.text("confirmation").split("\\.");
        assertThat(parts).hasSize(3);
        ObjectNode header = decode(parts[0]);
        KeyRing.SigningKey key = broker.keys().current();
        assertThat(header.get("alg").asText()).isEqualTo("EdDSA");
        assertThat(header.get("typ").asText()).isEqualTo("tollgate-confirmation+jwt");
        assertThat(header.get("kid").asText()).isEqualTo(key.kid());
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(key.publicKey());
        v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(v.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
        ObjectNode c = decode(parts[1]);
        assertThat(c.get("iss").asText()).isEqualTo(TestBrokers.ISSUER);
        assertThat(c.get("aud").asText()).isEqualTo("daily-byte");
        assertThat(c.get("charge").asText()).isEqualTo("r-1");
        assertThat(c.get("scrip").asText()).isEqualTo(s);
        assertThat(c.get("amount").asText()).isEqualTo("50000");
        assertThat(c.get("iat").asLong()).isEqualTo(now());

        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("balance")).isEqualTo(4_000_000);
        assertThat(me.micros("reserved")).isEqualTo(950_000);
        assertThat(me.json().get("scrip").get(0).get("redeemed").asText()).isEqualTo("50000");

        String path = "/v1/sellers/daily-byte/statement";
        Answer st = TestSellers.statement(broker, "daily-byte", ApiAnswers.SELLER_SCHEME + " "
                + TestSellers.statementToken(seller, now(), path));
        assertThat(st.status()).as(st.body()).isEqualTo(200);
        assertThat(st.text("credited")).isEqualTo("50000");
        assertThat(st.json().get("scrip").get(0).get("redeemed").asText()).isEqualTo("50000");
    }

    @Test
    void aRetryWithTheSameChargeIdChargesOnceAndGetsTheSameAnswer() throws Exception {
        String s = scrip("daily-byte", 1_000_000);
        Answer first = charge(seller, "r-1", s, "50000");
        Answer second = charge(seller, "r-2", s, "30000");
        clock.advance(Duration.ofSeconds(5));
        Answer retry = charge(seller, "r-1", s, "50000");

        assertThat(retry.status()).as(retry.body()).isEqualTo(200);
        assertThat(retry.json()).isEqualTo(first.json());
        assertThat(second.text("redeemed")).isEqualTo("80000");
        assertThat(credited("daily-byte")).isEqualTo(80_000);
        assertThat(broker.statements().creditsBySeller().get("daily-byte")[1]).isEqualTo(80_000);
        // Charge ids are per seller: another seller may use the same one on its own scrip.
        String theirs = scrip("other-news", 100_000);
        Answer otherSeller = charge(other, "r-1", theirs, "10000");
        assertThat(otherSeller.status()).as(otherSeller.body()).isEqualTo(200);
        assertThat(credited("other-news")).isEqualTo(10_000);
    }

    @Test
    void aConflictingRetryIsRefusedWith409AndChargesNothing() throws Exception {
        String s = scrip("daily-byte", 1_000_000);
        String t = scrip("daily-byte", 1_000_000);
        assertThat(charge(seller, "r-1", s, "50000").status()).isEqualTo(200);

        Answer otherAmount = charge(seller, "r-1", s, "60000");
        Answer otherScrip = charge(seller, "r-1", t, "50000");

        for (Answer a : new Answer[] {otherAmount, otherScrip}) {
            assertThat(a.status()).as(a.body()).isEqualTo(409);
            assertThat(a.text("error")).isEqualTo("charge_conflict");
        }
        assertThat(credited("daily-byte")).isEqualTo(50_000);
    }

    @Test
    void aChargeBeyondTheBudgetIsRefusedWithTheRemainder() throws Exception {
        String s = scrip("daily-byte", 100_000);
        assertThat(charge(seller, "r-1", s, "70000").status()).isEqualTo(200);

        Answer over = charge(seller, "r-2", s, "30001");
        assertThat(over.status()).as(over.body()).isEqualTo(409);
        assertThat(over.text("error")).isEqualTo("insufficient_budget");
        assertThat(over.text("remaining")).isEqualTo("30000");
        assertThat(credited("daily-byte")).isEqualTo(70_000);

        // Exactly the remainder is fine; after it, nothing is left.
        Answer exact = charge(seller, "r-2", s, "30000");
        assertThat(exact.status()).as(exact.body()).isEqualTo(200);
        assertThat(exact.text("remaining")).isEqualTo("0");
        assertThat(charge(seller, "r-3", s, "1").text("remaining")).isEqualTo("0");
        assertThat(credited("daily-byte")).isEqualTo(100_000);
    }

    @Test
    void anotherSellersScripIsRefusedWith403AndUnknownScripWith404() throws Exception {
        String theirs = scrip("other-news", 100_000);
        Answer wrong = charge(seller, "r-1", theirs, "1000");
        Answer unknown = charge(seller, "r-2", "no-such-scrip", "1000");

        assertThat(wrong.status()).as(wrong.body()).isEqualTo(403);
        assertThat(wrong.text("error")).isEqualTo("wrong_seller");
        assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.text("error")).isEqualTo("unknown_scrip");
        assertThat(credited("daily-byte")).isZero();
        assertThat(credited("other-news")).isZero();
    }

    @Test
    void expiredOrReturnedScripIsRefusedWith410() throws Exception {
        String s = scrip("daily-byte", 100_000);
        assertThat(charge(seller, "r-1", s, "1000").status()).isEqualTo(200);
        clock.advance(Duration.ofHours(1));
        Answer expired = charge(seller, "r-2", s, "1000");
        assertThat(expired.status()).as(expired.body()).isEqualTo(410);
        assertThat(expired.text("error")).isEqualTo("expired");

        // A retry of a charge recorded before the expiry still gets its original answer.
        assertThat(charge(seller, "r-1", s, "1000").status()).isEqualTo(200);

        clock.advance(broker.settlementGrace());
        assertThat(broker.returnExpiredScrip()).isEqualTo(1);
        Answer returned = charge(seller, "r-3", s, "1000");
        assertThat(returned.status()).as(returned.body()).isEqualTo(410);
        assertThat(returned.text("error")).isEqualTo("expired");
        assertThat(credited("daily-byte")).isEqualTo(1000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aBadSignatureOrAnUnknownKeyIsRefusedWith401() throws Exception {
        String s = scrip("daily-byte", 100_000);
        // Signed by another key under the seller's kid.
        String forged = TestSellers.sign(TestSellers.newKeyPair().getPrivate(),
                TestSellers.header(seller.kid(), Charges.CHARGE_TYPE), claims(seller, now(), "r-1", s, "1000"));
        java.security.KeyPair unregistered = TestSellers.newKeyPair();
        TestSellers.Key stranger = new TestSellers.Key("daily-byte", unregistered,
                TestSellers.thumbprint(unregistered));
        String unknown = sign(stranger, claims(stranger, now(), "r-2", s, "1000"));

        Answer bad = post(broker, forged);
        Answer noKey = post(broker, unknown);
        assertThat(bad.status()).as(bad.body()).isEqualTo(401);
        assertThat(bad.text("error")).isEqualTo("invalid_signature");
        assertThat(noKey.status()).as(noKey.body()).isEqualTo(401);
        assertThat(noKey.text("error")).isEqualTo("unknown_key");
        assertThat(credited("daily-byte")).isZero();
    }

    static Stream<Map.Entry<String, java.util.function.Consumer<ObjectNode>>> badClaims() {
        return Stream.of(
                Map.entry("no jti", c -> c.remove("jti")),
                Map.entry("empty jti", c -> c.put("jti", "")),
                Map.entry("long jti", c -> c.put("jti", "x".repeat(129))),
                Map.entry("numeric jti", c -> c.put("jti", 7)),
                Map.entry("no scrip", c -> c.remove("scrip")),
                Map.entry("no amount", c -> c.remove("amount")),
                Map.entry("zero amount", c -> c.put("amount", "0")),
                Map.entry("negative amount", c -> c.put("amount", "-5")),
                Map.entry("decimal amount", c -> c.put("amount", "1.5")),
                Map.entry("numeric amount", c -> c.put("amount", 5000)),
                Map.entry("huge amount", c -> c.put("amount", "99999999999999999999")),
                Map.entry("unknown claim", c -> c.put("extra", "x")),
                Map.entry("wrong iss", c -> c.put("iss", "other-news")),
                Map.entry("wrong aud", c -> c.put("aud", "https://elsewhere.test")),
                Map.entry("too long-lived", c -> c.put("exp", c.get("iat").asLong() + 61)),
                Map.entry("no exp", c -> c.remove("exp")));
    }

    @ParameterizedTest
    @MethodSource("badClaims")
    void malformedClaimsAreRefusedWith400(Map.Entry<String, java.util.function.Consumer<ObjectNode>> bad)
            throws Exception {
        String s = scrip("daily-byte", 100_000);
        ObjectNode c = claims(seller, now(), "r-1", s, "1000");
        bad.getValue().accept(c);
        Answer a = post(broker, sign(seller, c));
        assertThat(a.status()).as(bad.getKey() + ": " + a.body()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_request");
        assertThat(credited("daily-byte")).isZero();
    }

    @Test
    void malformedBodiesAndExpiredRequestsAreRefusedWith400() throws Exception {
        String s = scrip("daily-byte", 100_000);
        for (String body : new String[] {"", "not a jws", "a.b", "a.b.c.d", "!!.??.$$", "e30.e30.e30"}) {
            Answer a = post(broker, body);
            assertThat(a.status()).as("'" + body + "': " + a.body()).isBetween(400, 401);
            assertThat(a.json().has("error")).isTrue();
        }
        // Wrong typ (a redemption batch's).
        String wrongTyp = TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE), claims(seller, now(), "r-1", s, "1"));
        assertThat(post(broker, wrongTyp).status()).isEqualTo(400);
        // Not application/jose.
        Answer json = TestBrokers.send(TestBrokers.request(broker, ApiHandler.CHARGES_PATH, null)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sign(seller, claims(seller, now(), "r-1", s, "1"))))
                .build());
        assertThat(json.status()).isEqualTo(415);
        // Expired: signed two minutes ago with the longest lifetime, past the clock skew.
        Answer expired = post(broker, sign(seller, claims(seller, now() - 185, "r-1", s, "1")));
        assertThat(expired.status()).as(expired.body()).isEqualTo(400);
        assertThat(expired.text("error")).isEqualTo("expired_request");
        assertThat(TestBrokers.get(broker, ApiHandler.CHARGES_PATH, null).status()).isEqualTo(405);
        assertThat(credited("daily-byte")).isZero();
    }

    @Test
    void onlineChargesThenACumulativeOfflineClaimIncludingThemCreditExactlyTheTotal() throws Exception {
        String s = scrip("daily-byte", 1_000_000);
        assertThat(charge(seller, "r-1", s, "100000").status()).isEqualTo(200);
        assertThat(charge(seller, "r-2", s, "50000").status()).isEqualTo(200);
        // The gateway charged 250000 more offline; its cumulative claim includes the 150000 charged online.
        Answer claim = TestSellers.redeem(broker, seller, now(), Map.of(s, "400000"));
        JsonNode r = claim.json().get("results").get(0);
        assertThat(r.get("status").asText()).isEqualTo("credited");
        assertThat(r.get("credited").asText()).isEqualTo("250000");
        assertThat(r.get("redeemed").asText()).isEqualTo("400000");
        // A later online charge, then a retried older claim and the newer cumulative claim: nothing twice.
        assertThat(charge(seller, "r-3", s, "20000").text("redeemed")).isEqualTo("420000");
        JsonNode stale = TestSellers.redeem(broker, seller, now(), Map.of(s, "400000")).json().get("results").get(0);
        assertThat(stale.get("status").asText()).isEqualTo("unchanged");
        JsonNode same = TestSellers.redeem(broker, seller, now(), Map.of(s, "420000")).json().get("results").get(0);
        assertThat(same.get("status").asText()).isEqualTo("unchanged");

        assertThat(credited("daily-byte")).isEqualTo(420_000);
        assertThat(broker.statements().creditsBySeller().get("daily-byte")[1]).isEqualTo(420_000);
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("reserved")).isEqualTo(580_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }
}
