package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * {@code POST /v1/scrip} with an {@code Idempotency-Key} (issue 9, hole 11): a retry gets the scrip it was issued and
 * reserves nothing more; the key with another request is 422; concurrent duplicates get one scrip; keys are per
 * account, survive a restart and are bounded by age and by count.
 */
final class ScripIdempotencyTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(java.time.Instant.now().truncatedTo(
            java.time.temporal.ChronoUnit.SECONDS));
    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    private Broker start(int keysPerAccount) {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO)
                .idempotencyKeysPerAccount(keysPerAccount).build().start();
        if (broker.seller(TestBrokers.SELLER).isEmpty()) {
            TestSellers.register(broker, TestBrokers.SELLER);
            TestSellers.register(broker, "other-news");
        }
        return broker;
    }

    static Answer issue(Broker broker, Buyer buyer, String key, long budget) {
        return issue(broker, buyer, key, "{\"seller\":\"" + TestBrokers.SELLER + "\",\"budget\":\"" + budget + "\"}");
    }

    static Answer issue(Broker broker, Buyer buyer, String key, String body) {
        var request = TestBrokers.request(broker, ApiHandler.SCRIP_PATH, buyer.apiKey())
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header(ScripIdempotency.HEADER, key);
        }
        return TestBrokers.send(request.build());
    }

    private long balance(Buyer buyer) {
        return TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).micros("balance");
    }

    @Test
    void aRetryWithTheSameKeyGetsTheSameScripAndReservesNothingMore() throws Exception {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);

        Answer first = issue(broker, buyer, "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", 250_000);
        Answer retry = issue(broker, buyer, "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
                "{ \"budget\": \"250000\", \"seller\": \"daily-byte\", \"ttlSeconds\": 3600 }");

        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.response().headers().firstValue(ScripIdempotency.REPLAYED_HEADER)).isEmpty();
        assertThat(retry.status()).as(retry.body()).isEqualTo(201);
        assertThat(retry.response().headers().firstValue(ScripIdempotency.REPLAYED_HEADER)).contains("true");
        assertThat(retry.text("token")).isEqualTo(first.text("token"));
        assertThat(retry.text("jti")).isEqualTo(first.text("jti"));
        assertThat(retry.text("expiresAt")).isEqualTo(first.text("expiresAt"));
        assertThat(balance(buyer)).isEqualTo(750_000);
        assertThat(TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).json().get("scrip")).hasSize(1);
        assertThat(broker.statements().totals().conserved()).isTrue();
        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            assertThat(gateway.verify(retry.text("token")).budgetMicros()).isEqualTo(250_000);
        }
        // Without a key every request is a new one.
        assertThat(issue(broker, buyer, null, 250_000).text("jti")).isNotEqualTo(first.text("jti"));
        assertThat(balance(buyer)).isEqualTo(500_000);
    }

    @Test
    void theSameKeyForAnotherRequestIsRefusedWith422AndReservesNothing() {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
        assertThat(issue(broker, buyer, "\"k-1\"", 100_000).status()).isEqualTo(201);

        List<Answer> refused = List.of(issue(broker, buyer, "\"k-1\"", 200_000),
                issue(broker, buyer, "\"k-1\"", "{\"seller\":\"other-news\",\"budget\":\"100000\"}"),
                issue(broker, buyer, "\"k-1\"", "{\"seller\":\"daily-byte\",\"budget\":\"100000\",\"ttlSeconds\":60}"));

        for (Answer a : refused) {
            assertThat(a.status()).as(a.body()).isEqualTo(422);
            assertThat(a.text("error")).isEqualTo("idempotency_key_reused");
            assertThat(a.text("message")).contains("Use a new key");
        }
        assertThat(balance(buyer)).isEqualTo(900_000);
    }

    @Test
    void aKeyBelongsToItsAccount() {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer alice = TestBrokers.newBuyer(broker, 1_000_000);
        Buyer bob = TestBrokers.newBuyer(broker, 1_000_000);

        Answer a = issue(broker, alice, "\"shared\"", 100_000);
        Answer b = issue(broker, bob, "\"shared\"", 100_000);

        assertThat(a.status()).isEqualTo(201);
        assertThat(b.status()).isEqualTo(201);
        assertThat(b.text("jti")).isNotEqualTo(a.text("jti"));
        assertThat(balance(alice)).isEqualTo(900_000);
        assertThat(balance(bob)).isEqualTo(900_000);
    }

    @Test
    void concurrentDuplicatesGetOneScripAndOneReservation() throws Exception {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return issue(broker, buyer, "\"burst\"", 100_000);
                }));
            }
            go.countDown();
            java.util.Set<String> tokens = new java.util.HashSet<>();
            for (Future<Answer> f : answers) {
                Answer a = f.get();
                assertThat(a.status()).as(a.body()).isEqualTo(201);
                tokens.add(a.text("token"));
            }
            assertThat(tokens).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(balance(buyer)).isEqualTo(900_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void keysSurviveARestartAndAKeyRotation() throws Exception {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
        Answer first = issue(broker, buyer, "\"before-restart\"", 300_000);
        broker.close();

        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        broker.rotateKey();
        Answer retry = issue(broker, buyer, "\"before-restart\"", 300_000);

        assertThat(retry.status()).as(retry.body()).isEqualTo(201);
        assertThat(retry.text("token")).as("signed again by the key that signed it").isEqualTo(first.text("token"));
        assertThat(balance(buyer)).isEqualTo(700_000);
    }

    @Test
    void aKeyIsForgottenAfter24Hours() throws Exception {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
        Answer first = issue(broker, buyer, "\"daily\"", 100_000);
        Buyer other = TestBrokers.newBuyer(broker, 1_000_000);
        issue(broker, other, "\"other\"", 100_000);

        clock.advance(ScripIdempotency.WINDOW.minusSeconds(1));
        assertThat(issue(broker, buyer, "\"daily\"", 100_000).text("jti")).isEqualTo(first.text("jti"));
        clock.advance(Duration.ofSeconds(1));
        Answer later = issue(broker, buyer, "\"daily\"", 100_000);

        assertThat(later.status()).isEqualTo(201);
        assertThat(later.text("jti")).isNotEqualTo(first.text("jti"));
        assertThat(keys()).as("the buyer's own expired key went when it was used again").isEqualTo(2);
        assertThat(broker.purgeIdempotencyKeys()).as("the sweep forgets the other buyer's").isEqualTo(1);
        assertThat(keys()).isEqualTo(1);
    }

    @Test
    void anAccountKeepsOnlyItsMostRecentKeys() throws Exception {
        start(3);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
        List<String> jtis = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            jtis.add(issue(broker, buyer, "\"k-" + i + "\"", 1_000).text("jti"));
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(keys()).isEqualTo(3);
        assertThat(issue(broker, buyer, "\"k-3\"", 1_000).text("jti")).isEqualTo(jtis.get(3));
        assertThat(issue(broker, buyer, "\"k-1\"", 1_000).text("jti")).isEqualTo(jtis.get(1));
        assertThat(issue(broker, buyer, "\"k-0\"", 1_000).text("jti")).as("the oldest gave way")
                .isNotEqualTo(jtis.get(0));
    }

    @Test
    void aRefusedRequestRecordsNoKeyAndItsRetryIsJudgedAfresh() throws Exception {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 100_000);

        Answer refused = issue(broker, buyer, "\"top-up\"", 200_000);
        broker.accounts().deposit(buyer.account(), 100_000, "test");
        Answer retry = issue(broker, buyer, "\"top-up\"", 200_000);

        assertThat(refused.status()).isEqualTo(409);
        assertThat(retry.status()).as(retry.body()).isEqualTo(201);
        assertThat(balance(buyer)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\"", "\"unterminated", "\"a\";p=1", "\"a\\b\"", "two words", "a,b",
            "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
                    + "01234567890123456789012345678\""})
    void aMalformedKeyIsRefusedWith400AndReservesNothing(String key) {
        start(ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT);
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);

        Answer a = issue(broker, buyer, key, 100_000);

        assertThat(a.status()).as(a.body()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_idempotency_key");
        assertThat(balance(buyer)).isEqualTo(1_000_000);
    }

    @Test
    void aBareKeyAndAnEscapedStringAreAccepted() throws Exception {
        assertThat(ScripIdempotency.key(List.of("8e03978e-40d5"))).isEqualTo("8e03978e-40d5");
        assertThat(ScripIdempotency.key(List.of(" \"a\\\"b\\\\c\" "))).isEqualTo("a\"b\\c");
        assertThat(ScripIdempotency.key(List.of())).isNull();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ScripIdempotency.key(List.of("\"a\"",
                "\"b\"")))).isInstanceOf(ApiException.class);
    }

    private int keys() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Database.FILE));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM scrip_idempotency_keys")) {
            return rs.getInt(1);
        }
    }
}
