package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tollgate.broker.TestBrokers.Answer;

/** A bad redemption batch is refused as a whole with a 4xx JSON error, never a 500, and pays nothing. */
final class BadRedemptionsTest {

    @TempDir
    static Path dir;

    private static final MutableClock CLOCK = new MutableClock();
    private static Broker broker;
    private static TestSellers.Key seller;
    private static String scrip;

    @BeforeAll
    static void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(CLOCK).sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        TestSellers.register(broker, "other-news");
        TestBrokers.Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        scrip = TestBrokers.issue(broker, buyer, "daily-byte", 1_000_000).text("jti");
    }

    @AfterAll
    static void close() {
        broker.close();
    }

    @AfterEach
    void nothingWasPaid() throws Exception {
        assertThat(broker.statements().creditsBySeller().get("daily-byte")[0]).isZero();
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    private static long now() {
        return CLOCK.instant().getEpochSecond();
    }

    /** A batch whose header and payload the case changes before signing with the seller's key. */
    private static String batch(Consumer<ObjectNode> header, Consumer<ObjectNode> payload) {
        ObjectNode h = TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE);
        ObjectNode p = TestSellers.batch(seller, now(), Map.of(scrip, "1000"));
        header.accept(h);
        payload.accept(p);
        return TestSellers.sign(seller.pair().getPrivate(), h, p);
    }

    private static Consumer<ObjectNode> claims(String... jtiSpent) {
        return p -> {
            ArrayNode list = p.putArray("claims");
            for (int i = 0; i < jtiSpent.length; i += 2) {
                list.addObject().put("jti", jtiSpent[i]).put("spent", jtiSpent[i + 1]);
            }
        };
    }

    static Stream<Arguments> badBatches() {
        Consumer<ObjectNode> same = n -> { };
        long now = now();
        return Stream.of(
                Arguments.of("wrong iss", batch(same, p -> p.put("iss", "other-news")), 400, "invalid_request"),
                Arguments.of("missing iss", batch(same, p -> p.remove("iss")), 400, "invalid_request"),
                Arguments.of("wrong aud", batch(same, p -> p.put("aud", "https://other-broker.test")), 400,
                        "invalid_request"),
                Arguments.of("expired", batch(same, p -> p.put("iat", now - 900).put("exp", now - 300)), 400,
                        "expired_batch"),
                Arguments.of("too long-lived", batch(same, p -> p.put("exp", now + 601)), 400, "invalid_request"),
                Arguments.of("issued in the future", batch(same, p -> p.put("iat", now + 3600).put("exp", now + 3700)),
                        400, "invalid_request"),
                Arguments.of("exp before iat", batch(same, p -> p.put("exp", now - 1)), 400, "invalid_request"),
                Arguments.of("no iat", batch(same, p -> p.remove("iat")), 400, "invalid_request"),
                Arguments.of("string exp", batch(same, p -> p.put("exp", "soon")), 400, "invalid_request"),
                Arguments.of("no batch jti", batch(same, p -> p.remove("jti")), 400, "invalid_request"),
                Arguments.of("unknown claim", batch(same, p -> p.put("extra", 1)), 400, "invalid_request"),
                Arguments.of("alg none", batch(h -> h.put("alg", "none"), same), 401, "invalid_signature"),
                Arguments.of("alg HS256", batch(h -> h.put("alg", "HS256"), same), 401, "invalid_signature"),
                Arguments.of("alg Ed25519", batch(h -> h.put("alg", "Ed25519"), same), 401, "invalid_signature"),
                Arguments.of("wrong typ", batch(h -> h.put("typ", "tollgate-statement+jwt"), same), 400,
                        "invalid_request"),
                Arguments.of("crit", batch(h -> h.putArray("crit").add("b64"), same), 400, "invalid_request"),
                Arguments.of("no kid", batch(h -> h.remove("kid"), same), 400, "invalid_request"),
                Arguments.of("no claims", batch(same, p -> p.remove("claims")), 400, "invalid_request"),
                Arguments.of("empty claims", batch(same, claims()), 400, "invalid_request"),
                Arguments.of("claims not an array", batch(same, p -> p.put("claims", "x")), 400, "invalid_request"),
                Arguments.of("duplicate scrip", batch(same, claims(scrip, "1000", scrip, "2000")), 400,
                        "invalid_request"),
                Arguments.of("negative spent", batch(same, claims(scrip, "-1")), 400, "invalid_amount"),
                Arguments.of("fractional spent", batch(same, claims(scrip, "1.5")), 400, "invalid_amount"),
                Arguments.of("empty spent", batch(same, claims(scrip, "")), 400, "invalid_amount"),
                Arguments.of("spent above Long.MAX_VALUE", batch(same, claims(scrip, "9223372036854775808")), 400,
                        "invalid_amount"),
                Arguments.of("numeric spent", batch(same, p -> p.putArray("claims").addObject().put("jti", scrip)
                        .put("spent", 1000)), 400, "invalid_amount"),
                Arguments.of("claim without jti", batch(same, p -> p.putArray("claims").addObject()
                        .put("spent", "1000")), 400, "invalid_request"),
                Arguments.of("claim with unknown field", batch(same, p -> p.putArray("claims").addObject()
                        .put("jti", scrip).put("spent", "1000").put("delta", "1")), 400, "invalid_request"),
                Arguments.of("not a JWS", "hello", 400, "invalid_request"),
                Arguments.of("four parts", "a.b.c.d", 400, "invalid_request"),
                Arguments.of("header not JSON", "bm90IGpzb24.e30.AAAA", 400, "invalid_request"),
                Arguments.of("padding", "eyJhbGciOiJFZERTQSJ9==.e30.AAAA", 400, "invalid_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBatches")
    void aMalformedOrMisdirectedBatchIsRefusedAsAWhole(String name, String body, int status, String error) {
        Answer a = TestSellers.post(broker, body);
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.text("error")).isEqualTo(error);
        assertThat(a.text("message")).isNotBlank();
    }

    @Test
    void aBatchSignedByAnUnregisteredKeyIs401UnknownKey() {
        TestSellers.Key stranger = new TestSellers.Key("daily-byte", TestSellers.newKeyPair(), null);
        stranger = new TestSellers.Key("daily-byte", stranger.pair(), TestSellers.thumbprint(stranger.pair()));
        Answer a = TestSellers.redeem(broker, stranger, now(), Map.of(scrip, "1000"));
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.text("error")).isEqualTo("unknown_key");
    }

    @Test
    void aForgedSignatureIs401InvalidSignature() {
        // Signed by another key, but naming the registered seller's kid.
        TestSellers.Key forger = new TestSellers.Key("daily-byte", TestSellers.newKeyPair(), seller.kid());
        Answer a = TestSellers.redeem(broker, forger, now(), Map.of(scrip, "1000"));
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.text("error")).isEqualTo("invalid_signature");

        // A genuine batch whose payload was changed after signing.
        String genuine = batch(h -> { }, p -> { });
        String[] parts = genuine.split("\\.");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                TestSellers.batch(seller, now(), Map.of(scrip, "999999")).toString().getBytes()) + "." + parts[2];
        Answer b = TestSellers.post(broker, tampered);
        assertThat(b.status()).isEqualTo(401);
        assertThat(b.text("error")).isEqualTo("invalid_signature");

        Answer c = TestSellers.post(broker, parts[0] + "." + parts[1] + ".");
        assertThat(c.status()).isEqualTo(401);
        assertThat(c.text("error")).isEqualTo("invalid_signature");
    }

    @Test
    void tooManyClaimsAreRefused() {
        String body = batch(h -> { }, p -> {
            ArrayNode list = p.putArray("claims");
            for (int i = 0; i < 1001; i++) {
                list.addObject().put("jti", "scrip-" + i).put("spent", "1");
            }
        });
        Answer a = TestSellers.post(broker, body);
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_request");
    }

    @Test
    void aBatchOfOneThousandClaimsIsAccepted() {
        String body = batch(h -> { }, p -> {
            ArrayNode list = p.putArray("claims");
            for (int i = 0; i < 1000; i++) {
                // Real scrip jtis are 22 characters: the largest batch is about 70 KiB.
                list.addObject().put("jti", String.format("unknown-scrip-%08d", i)).put("spent", "100000000");
            }
        });
        Answer a = TestSellers.post(broker, body);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().get("results")).hasSize(1000);
    }

    @Test
    void theWrongContentTypeOrMethodIsRefused() {
        String body = batch(h -> { }, p -> { });
        Answer json = TestSellers.post(broker, body, "application/json");
        assertThat(json.status()).isEqualTo(415);
        assertThat(json.text("error")).isEqualTo("unsupported_media_type");
        Answer get = TestBrokers.get(broker, ApiHandler.REDEMPTIONS_PATH, null);
        assertThat(get.status()).isEqualTo(405);
        Answer empty = TestSellers.post(broker, "", "application/jose");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.text("error")).isEqualTo("invalid_request");
    }
}
