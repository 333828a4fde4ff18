package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWord;

/** {@code POST /v1/payword/certificates}: a broker-signed certificate of the buyer's key that reserves its limit. */
final class PayWordCertificateTest {

    private static final Base64.Decoder B64URL = Base64.getUrlDecoder();
    /** The identity point (0, 1): a valid encoding of a point of order 1. */
    private static final String SMALL_ORDER_X = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    /** Points of order 8, 4 and 2: valid encodings, but keys whose signatures can be forged. */
    private static final String ORDER_8_X = "xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA3o";
    private static final String ORDER_4_X = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private static final String ORDER_2_X = "7P_______________________________________38";
    /** y = 2 is not the y of any curve point. */
    private static final String OFF_CURVE_X = "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    /** y = p, the non-canonical encoding of y = 0. */
    private static final String NON_CANONICAL_X = "7f_______________________________________38";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private Buyer buyer;
    private final KeyPair key = TestSellers.newKeyPair();

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private JsonNode me() {
        return TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).json();
    }

    private Answer certify(String body) {
        return TestBrokers.post(broker, ApiHandler.CERTIFICATES_PATH, body, buyer.apiKey());
    }

    @Test
    void aCertificateReservesItsLimitAndIsSignedByTheBrokerAsSection8Says() throws Exception {
        Answer a = TestPayWord.certify(broker, buyer, key, 2_000_000);

        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.text("limit")).isEqualTo("2000000");
        Instant expiresAt = Instant.parse(a.text("expiresAt"));
        assertThat(expiresAt).isEqualTo(clock.instant().plusSeconds(3600));
        String[] parts = a.text("certificate").split("\\.");
        JsonNode header = TestSellers.JSON.readTree(B64URL.decode(parts[0]));
        JsonNode claims = TestSellers.JSON.readTree(B64URL.decode(parts[1]));
        assertThat(header.get("alg").asText()).isEqualTo("EdDSA");
        assertThat(header.get("typ").asText()).isEqualTo(PayWord.CERTIFICATE_TYPE);
        assertThat(header.get("kid").asText()).isEqualTo(broker.currentKid());
        assertThat(claims.get("iss").asText()).isEqualTo(TestBrokers.ISSUER);
        assertThat(claims.get("sub").asText()).isNotEmpty().isNotEqualTo(buyer.account());
        assertThat(claims.get("jti").asText()).isEqualTo(a.text("id"));
        assertThat(claims.get("iat").asLong()).isEqualTo(clock.instant().getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(expiresAt.getEpochSecond());
        assertThat(claims.get("cnf").get("jwk")).isEqualTo(TestSellers.JSON.readTree(TestPayWord.jwk(key)));
        assertThat(claims.get("limit").asText()).isEqualTo("2000000");
        assertThat(claims.get("cur").asText()).isEqualTo("USD");
        // The signature verifies with the broker's published key.
        JsonNode jwk = TestBrokers.get(broker, ApiHandler.JWKS_PATH, null).json().get("keys").get(0);
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(Ed25519Keys.publicKey(B64URL.decode(jwk.get("x").asText())));
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(B64URL.decode(parts[2]))).isTrue();

        JsonNode me = me();
        assertThat(me.get("balance").asText()).isEqualTo("3000000");
        assertThat(me.get("reserved").asText()).isEqualTo("2000000");
        JsonNode listed = me.get("paywordCertificates").get(0);
        assertThat(listed.get("id").asText()).isEqualTo(a.text("id"));
        assertThat(listed.get("limit").asText()).isEqualTo("2000000");
        assertThat(listed.get("redeemed").asText()).isEqualTo("0");
        assertThat(listed.get("status").asText()).isEqualTo("active");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aLimitBeyondTheBalanceIsRefusedAndReservesNothing() {
        Answer a = TestPayWord.certify(broker, buyer, key, 5_000_001);

        assertThat(a.status()).isEqualTo(409);
        assertThat(a.text("error")).isEqualTo("insufficient_funds");
        assertThat(me().get("balance").asText()).isEqualTo("5000000");
        assertThat(me().get("reserved").asText()).isEqualTo("0");
        assertThat(me().get("paywordCertificates")).isEmpty();
    }

    @Test
    void fiftyConcurrentRequestsNeverOverdraw() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> TestPayWord.certify(broker, buyer, TestSellers.newKeyPair(),
                        300_000)));
            }
            int issued = 0;
            for (Future<Answer> f : answers) {
                Answer a = f.get();
                assertThat(a.status()).as(a.body()).isIn(201, 409);
                issued += a.status() == 201 ? 1 : 0;
            }
            assertThat(issued).isEqualTo(16); // 5000000 / 300000
            assertThat(me().get("balance").asText()).isEqualTo(Long.toString(5_000_000 - 16 * 300_000L));
            assertThat(me().get("reserved").asText()).isEqualTo(Long.toString(16 * 300_000L));
            assertThat(broker.statements().totals().conserved()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"limit\":\"1000\"}",
        "{\"publicKey\":\"not a jwk\",\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + SMALL_ORDER_X + "\",\"d\":\""
                + SMALL_ORDER_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"EC\",\"crv\":\"Ed25519\",\"x\":\"" + OFF_CURVE_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"" + OFF_CURVE_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AQAB\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + SMALL_ORDER_X + "=\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + OFF_CURVE_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + SMALL_ORDER_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + NON_CANONICAL_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + ORDER_8_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + ORDER_4_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + ORDER_2_X + "\"},\"limit\":\"1000\"}",
        "{\"publicKey\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + OFF_CURVE_X + "\",\"p\":\"1\"},"
                + "\"limit\":\"1000\"}"})
    void aBadPublicKeyIsRefusedWithInvalidKey(String body) {
        Answer a = certify(body);

        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_key");
        assertThat(me().get("reserved").asText()).isEqualTo("0");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"limit\":\"0\"|invalid_amount",
        "\"limit\":\"-5\"|invalid_amount",
        "\"limit\":\"abc\"|invalid_amount",
        "\"limit\":1000|invalid_amount",
        "\"limit\":\"100000001\"|invalid_amount",
        "\"limit\":\"1000\",\"ttlSeconds\":59|invalid_ttl",
        "\"limit\":\"1000\",\"ttlSeconds\":86401|invalid_ttl",
        "\"limit\":\"1000\",\"ttlSeconds\":\"3600\"|invalid_ttl",
        "\"limit\":\"1000\",\"ttlSeconds\":1.5|invalid_ttl",
        "\"limit\":\"1000\",\"seller\":\"daily-byte\"|invalid_request"})
    void aBadLimitTtlOrFieldIsRefused(String fields, String error) {
        Answer a = certify("{\"publicKey\":" + TestPayWord.jwk(key) + "," + fields + "}");

        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo(error);
        assertThat(me().get("reserved").asText()).isEqualTo("0");
    }

    @Test
    void aMissingLimitIsRefused() {
        Answer a = certify("{\"publicKey\":" + TestPayWord.jwk(key) + "}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_amount");
    }

    @Test
    void aRequestWithoutAValidApiKeyIsRefused() {
        String body = "{\"publicKey\":" + TestPayWord.jwk(key) + ",\"limit\":\"1000\"}";
        Answer none = TestBrokers.post(broker, ApiHandler.CERTIFICATES_PATH, body, null);
        Answer wrong = TestBrokers.post(broker, ApiHandler.CERTIFICATES_PATH, body, buyer.apiKey() + "x");

        assertThat(none.status()).isEqualTo(401);
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.text("error")).isEqualTo("unauthorized");
        assertThat(me().get("reserved").asText()).isEqualTo("0");
    }

    @Test
    void aGetIsRefusedAndNotJsonIsRefused() {
        Answer get = TestBrokers.get(broker, ApiHandler.CERTIFICATES_PATH, buyer.apiKey());
        Answer notJson = certify("{\"publicKey\":");

        assertThat(get.status()).isEqualTo(405);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.text("error")).isEqualTo("invalid_json");
    }
}
