package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.TestBroker;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class BrokerKeysTest {

    private static final Duration REFETCH = BrokerKeysSettings.DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private MutableClock clock;
    private TestBroker broker;
    private JwksServer server;

    @BeforeEach
    void startBroker() {
        clock = MutableClock.atNow();
        broker = new TestBroker(clock);
        server = open(JwksServer.start(broker::jwksJson));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void aKnownKidIsServedWithoutNetworkIo() throws Exception {
        BrokerKeys keys = started(settings());
        assertThat(keys.fetchCount()).isEqualTo(1);
        assertThat(keys.lastSuccess()).contains(clock.instant());

        for (int i = 0; i < 1000; i++) {
            assertThat(keys.key(broker.currentKid())).isNotNull();
            assertThat(keys.key(broker.es256Kid())).isNotNull();
        }

        assertThat(keys.fetchCount()).isEqualTo(1);
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void anUnknownKidTriggersExactlyOneRefetchThenUnknownKey() {
        BrokerKeys keys = started(settings());

        assertFails(() -> keys.key("forged-1"), ErrorCode.UNKNOWN_KEY);
        assertThat(server.requests()).isEqualTo(2);
        assertThat(keys.fetchCount()).isEqualTo(2);

        assertFails(() -> keys.key("forged-2"), ErrorCode.UNKNOWN_KEY);
        clock.advance(REFETCH.minusSeconds(1));
        assertFails(() -> keys.key("forged-3"), ErrorCode.UNKNOWN_KEY);
        assertThat(server.requests()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        assertFails(() -> keys.key("forged-4"), ErrorCode.UNKNOWN_KEY);
        assertThat(server.requests()).isEqualTo(3);
    }

    @Test
    void concurrentUnknownKidsTriggerOneRefetch() throws Exception {
        BrokerKeys keys = started(settings());
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<ErrorCode>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String kid = "forged-" + i;
                Callable<ErrorCode> lookup = () -> {
                    go.await();
                    try {
                        keys.key(kid);
                        return null;
                    } catch (PaymentException e) {
                        return e.code();
                    }
                };
                results.add(pool.submit(lookup));
            }
            go.countDown();
            for (Future<ErrorCode> result : results) {
                assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(ErrorCode.UNKNOWN_KEY);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void theUnknownKidMessageIsCutAndPrintable() {
        BrokerKeys keys = started(settings());
        String kid = "\u0000bad\nkid\u202e" + "a".repeat(200);

        assertThatThrownBy(() -> keys.key(kid)).isInstanceOfSatisfying(PaymentException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_KEY);
            assertThat(e.getMessage()).isEqualTo("no broker key with kid 'badkid" + "a".repeat(58) + "'");
        });
    }

    @Test
    void aRotatedKeyIsPickedUpByRefetchAndTheOldKeyVerifiesWhilePublished() throws Exception {
        BrokerKeys keys = started(settings());
        ScripVerifier verifier = verifier(keys);
        String oldKid = broker.currentKid();
        String oldScrip = broker.scrip().sign();
        assertThat(verifier.verify(oldScrip).issuer()).isEqualTo(TestBroker.ISSUER);

        String newKid = broker.rotate();
        String newScrip = broker.scrip().sign();

        assertThat(newKid).isNotEqualTo(oldKid);
        assertThat(verifier.verify(newScrip).jti()).isNotEmpty();
        assertThat(server.requests()).isEqualTo(2);
        assertThat(verifier.verify(oldScrip).jti()).isNotEmpty();

        broker.removeKey(oldKid);
        assertThat(keys.refreshNow()).isTrue();

        assertFails(() -> verifier.verify(oldScrip), ErrorCode.UNKNOWN_KEY);
        assertThat(verifier.verify(newScrip).jti()).isNotEmpty();
    }

    @Test
    void theBackgroundRefreshPicksUpNewKeysOnSchedule() throws Exception {
        BrokerKeys keys = started(settings().withRefreshInterval(Duration.ofMillis(100)));
        assertFails(() -> keys.key("forged-1"), ErrorCode.UNKNOWN_KEY); // uses up the on-demand window
        String newKid = broker.rotate();

        // The injected clock stands still, so no on-demand fetch is allowed: only the background refresh can
        // bring the new kid in.
        poll(() -> {
            try {
                return keys.key(newKid) != null;
            } catch (PaymentException e) {
                return false;
            }
        });
        assertThat(keys.fetchCount()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void cachedKeysAreServedWhileTheBrokerIsDownUntilMaxStale() throws Exception {
        BrokerKeys keys = started(settings().withMaxStale(Duration.ofHours(1)));
        ScripVerifier verifier = verifier(keys);
        Instant fetchedAt = clock.instant();
        server.down(true);
        assertThat(keys.refreshNow()).isFalse();

        clock.advance(Duration.ofMinutes(59));
        assertThat(verifier.verify(broker.scrip().sign()).jti()).isNotEmpty();
        assertThat(keys.lastSuccess()).contains(fetchedAt);

        clock.advance(Duration.ofMinutes(1));
        assertFails(() -> verifier.verify(broker.scrip().sign()), ErrorCode.BROKER_UNAVAILABLE);
        assertFails(() -> keys.key(broker.currentKid()), ErrorCode.BROKER_UNAVAILABLE);

        server.down(false);
        clock.advance(REFETCH);
        assertThat(verifier.verify(broker.scrip().sign()).jti()).isNotEmpty();
        assertThat(keys.lastSuccess()).contains(clock.instant());
    }

    @Test
    void aBrokerDownFromTheStartFailsClosedAndRecoversInTheBackground() throws Exception {
        server.down(true);
        BrokerKeys keys = open(new BrokerKeys(settings()));

        assertThatCode(keys::start).doesNotThrowAnyException();

        assertThat(keys.lastSuccess()).isEmpty();
        assertFails(() -> keys.key(broker.currentKid()), ErrorCode.BROKER_UNAVAILABLE);
        assertFails(() -> verifier(keys).verify(broker.scrip().sign()), ErrorCode.BROKER_UNAVAILABLE);

        server.down(false);
        poll(() -> keys.lastSuccess().isPresent()); // the 1 s backoff retry, not an on-demand fetch
        assertThat(verifier(keys).verify(broker.scrip().sign()).jti()).isNotEmpty();
    }

    @Test
    void anUnreachableBrokerDoesNotMakeStartThrow() {
        URI nobody;
        try (JwksServer closed = JwksServer.start(broker::jwksJson)) {
            nobody = closed.jwksUri();
        }
        BrokerKeys keys = open(new BrokerKeys(BrokerKeysSettings.of(nobody).withClock(clock)
                .withFetchTimeout(Duration.ofSeconds(1))));

        assertThatCode(keys::start).doesNotThrowAnyException();
        assertFails(() -> keys.key(broker.currentKid()), ErrorCode.BROKER_UNAVAILABLE);
    }

    @Test
    void anOversizedStreamedJwksIsRejected() {
        server.hugeResponse(true);
        BrokerKeys keys = started(settings());

        assertThat(keys.lastSuccess()).isEmpty();
        assertThat(server.requests()).isEqualTo(1);
        assertFails(() -> keys.key(broker.currentKid()), ErrorCode.BROKER_UNAVAILABLE);
    }

    @Test
    void anOversizedJwksKeepsTheCachedKeys() throws Exception {
        BrokerKeys keys = started(settings());
        server.hugeResponse(true);

        assertThat(keys.refreshNow()).isFalse();
        assertThat(keys.key(broker.currentKid())).isNotNull();
    }

    @Test
    void aJwksLongerThanTheLimitIsRejectedByItsContentLength() {
        BrokerKeys keys = started(settings().withMaxResponseBytes(100));

        assertThat(keys.fetchCount()).isEqualTo(1);
        assertThat(keys.lastSuccess()).isEmpty();
    }

    @Test
    void aJwksWithoutUsableKeysKeepsTheCachedKeys() throws Exception {
        AtomicReference<String> jwks = new AtomicReference<>(broker.jwksJson());
        JwksServer own = open(JwksServer.start(jwks::get));
        BrokerKeys keys = started(settings(own.jwksUri()));

        jwks.set("{\"keys\":[]}");
        assertThat(keys.refreshNow()).isFalse();
        jwks.set("not json");
        assertThat(keys.refreshNow()).isFalse();

        assertThat(keys.key(broker.currentKid())).isNotNull();
    }

    @Test
    void aDuplicatedKidIsDroppedAndOtherKeysKept() throws Exception {
        broker.addRawJwk(TestBroker.jwk(broker.currentKid(),
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic()));
        BrokerKeys keys = started(settings());

        assertFails(() -> keys.key(broker.currentKid()), ErrorCode.UNKNOWN_KEY);
        assertThat(keys.key(broker.es256Kid())).isNotNull();
    }

    @Test
    void unsupportedKeysAreSkippedAndSupportedKeysKept() throws Exception {
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        String ed = TestBroker.jwk("x", KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic());
        broker.addRawJwk(ed.replace("\"kid\":\"x\"", "\"kid\":\"enc-1\"").replace("\"use\":\"sig\"", "\"use\":\"enc\""));
        broker.addRawJwk(ed.replace("\"kid\":\"x\"", "\"kid\":\"private-1\"").replace("}", ",\"d\":\"AAAA\"}"));
        broker.addRawJwk(ed.replace("\"kid\":\"x\",", ""));
        broker.addRawJwk(ed.replace("\"kid\":\"x\"", "\"kid\":\"wrong-alg-1\"").replace("EdDSA", "ES256"));
        broker.addRawJwk("{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"use\":\"sig\",\"n\":\"AQAB\",\"e\":\"AQAB\"}");
        broker.addRawJwk("{\"kty\":\"oct\",\"kid\":\"oct-1\",\"k\":\"c2VjcmV0\"}");
        broker.addRawJwk(ed.replace("\"kid\":\"x\"", "\"kid\":\"bad-x-1\"").replaceAll("\"x\":\"[^\"]+\"",
                "\"x\":\"AAAA\""));
        broker.addRawJwk("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"off-curve-1\",\"x\":\""
                + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE" + "\",\"y\":\""
                + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE" + "\"}");
        String p384Jwk = TestBroker.jwk("p384-1", p384.generateKeyPair().getPublic()).replace("P-256", "P-384");
        broker.addRawJwk(p384Jwk);
        BrokerKeys keys = started(settings());

        assertThat(keys.key(broker.currentKid())).isNotNull();
        assertThat(keys.key(broker.es256Kid())).isNotNull();
        for (String kid : List.of("enc-1", "private-1", "wrong-alg-1", "rsa-1", "oct-1", "bad-x-1",
                "off-curve-1", "p384-1")) {
            assertFails(() -> keys.key(kid), ErrorCode.UNKNOWN_KEY);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://broker.example/.well-known/jwks.json", "http://127.0.0.1.evil.test/jwks",
            "http://localhost.evil.test/jwks", "http://10.0.0.1/jwks", "ftp://127.0.0.1/jwks", "file:///etc/jwks",
            "/relative/jwks"})
    void aJwksUriThatIsNotHttpsOrLoopbackIsRejected(String uri) {
        assertThatThrownBy(() -> new BrokerKeys(BrokerKeysSettings.of(URI.create(uri))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(uri);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://broker.example/.well-known/jwks.json", "http://localhost:8080/jwks",
            "http://127.0.0.1:8080/jwks", "http://127.3.4.5/jwks", "http://[::1]:8080/jwks", "HTTPS://Broker.Example/x"})
    void anHttpsOrLoopbackJwksUriIsAccepted(String uri) {
        assertThatCode(() -> new BrokerKeys(BrokerKeysSettings.of(URI.create(uri))).close())
                .doesNotThrowAnyException();
    }

    @Test
    void aShorterMaxAgeShortensTheRefreshButNotBelowTheFloor() {
        Duration fiveMinutes = Duration.ofMinutes(5);

        assertThat(JwksFetch.maxAge("public, max-age=120")).hasValue(120);
        assertThat(JwksFetch.maxAge("no-cache")).isEmpty();
        assertThat(JwksFetch.maxAge("s-maxage=5")).isEmpty();
        assertThat(KeyRefresher.effectiveRefresh(OptionalLong.of(120), fiveMinutes)).isEqualTo(Duration.ofMinutes(2));
        assertThat(KeyRefresher.effectiveRefresh(OptionalLong.of(1), fiveMinutes)).isEqualTo(BrokerKeys.MIN_REFRESH);
        assertThat(KeyRefresher.effectiveRefresh(OptionalLong.of(3600), fiveMinutes)).isEqualTo(fiveMinutes);
        assertThat(KeyRefresher.effectiveRefresh(OptionalLong.empty(), fiveMinutes)).isEqualTo(fiveMinutes);
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private BrokerKeysSettings settings() {
        return settings(server.jwksUri());
    }

    private BrokerKeysSettings settings(URI uri) {
        return BrokerKeysSettings.of(uri).withClock(clock).withFetchTimeout(Duration.ofSeconds(2));
    }

    private BrokerKeys started(BrokerKeysSettings settings) {
        BrokerKeys keys = open(new BrokerKeys(settings));
        keys.start();
        return keys;
    }

    private ScripVerifier verifier(BrokerKeys keys) {
        return new ScripVerifier(keys, TestBroker.ISSUER, TestBroker.SELLER, TestBroker.CURRENCY,
                Duration.ofSeconds(2), clock);
    }

    private <T extends AutoCloseable> T open(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    @FunctionalInterface
    private interface Failing {
        void run() throws Exception;
    }

    private static void assertFails(Failing call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(PaymentException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    private static void poll(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
