package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * Voids of online charges (docs/PROTOCOL.md section 7) over real HTTP: a voided charge's money goes back to the
 * buyer and out of the seller's credit, once; a charge id voided before it was charged is refused when it comes
 * (tombstone) until its request could no longer be valid; the books stay conserved, also under concurrency.
 */
final class OnlineVoidsTest {

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

    private Answer charge(String jti, String scrip, long amount) {
        return OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller,
                OnlineChargesTest.claims(seller, now(), jti, scrip, Long.toString(amount))));
    }

    static ObjectNode voidClaims(TestSellers.Key seller, long now, String... charges) {
        ObjectNode p = TestSellers.JSON.createObjectNode();
        p.put("iss", seller.id());
        p.put("aud", TestBrokers.ISSUER);
        p.put("iat", now);
        p.put("exp", now + 300);
        p.put("jti", "void-" + System.nanoTime());
        ArrayNode list = p.putArray("charges");
        for (String c : charges) {
            list.add(c);
        }
        return p;
    }

    static Answer postVoid(Broker broker, String jws) {
        return TestBrokers.send(TestBrokers.request(broker, ApiHandler.VOIDS_PATH, null)
                .header("Content-Type", "application/jose")
                .POST(HttpRequest.BodyPublishers.ofString(jws)).build());
    }

    static Answer voidCharges(Broker broker, TestSellers.Key seller, long now, String... charges) {
        return postVoid(broker, TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Charges.VOID_TYPE), voidClaims(seller, now, charges)));
    }

    private Answer voidCharges(String... charges) {
        return voidCharges(broker, seller, now(), charges);
    }

    private static String statusOf(Answer a, int index) {
        return a.json().get("results").get(index).get("status").asText();
    }

    private long credited(String sellerId) throws Exception {
        return broker.statements().creditsBySeller().get(sellerId)[0];
    }

    private void assertBooksBalance() throws Exception {
        assertThat(broker.statements().totals().conserved()).isTrue();
        for (Map.Entry<String, long[]> e : broker.statements().creditsBySeller().entrySet()) {
            assertThat(e.getValue()[0]).as("credit of %s equals its redemptions minus its voids", e.getKey())
                    .isEqualTo(e.getValue()[1]);
        }
    }

    @Test
    void aVoidReturnsTheChargeToTheScripAndTakesItFromTheSellerOnce() throws Exception {
        String s = scrip("daily-byte", 1_000_000);
        assertThat(charge("r-1", s, 250_000).status()).isEqualTo(200);
        assertThat(charge("r-2", s, 100_000).status()).isEqualTo(200);
        assertThat(credited("daily-byte")).isEqualTo(350_000);

        Answer voided = voidCharges("r-1");

        assertThat(voided.status()).as(voided.body()).isEqualTo(200);
        JsonNode r = voided.json().get("results").get(0);
        assertThat(r.get("charge").asText()).isEqualTo("r-1");
        assertThat(r.get("status").asText()).isEqualTo("voided");
        assertThat(r.get("scrip").asText()).isEqualTo(s);
        assertThat(r.get("amount").asText()).isEqualTo("250000");
        assertThat(r.get("redeemed").asText()).isEqualTo("100000");
        assertThat(credited("daily-byte")).isEqualTo(100_000);
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("reserved")).isEqualTo(900_000);
        assertThat(me.json().get("scrip").get(0).get("redeemed").asText()).isEqualTo("100000");
        assertBooksBalance();

        // Again, alone or with others: nothing more moves.
        Answer again = voidCharges("r-1", "r-2");
        assertThat(statusOf(again, 0)).isEqualTo("unchanged");
        assertThat(statusOf(again, 1)).isEqualTo("voided");
        assertThat(voidCharges("r-1", "r-2").json().get("results").findValuesAsText("status"))
                .containsExactly("unchanged", "unchanged");
        assertThat(credited("daily-byte")).isZero();
        assertThat(TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).micros("reserved"))
                .isEqualTo(1_000_000);
        assertBooksBalance();
    }

    @Test
    void aVoidedChargeIsNeverChargedAgainAndItsBudgetIsSpendableAgain() throws Exception {
        String s = scrip("daily-byte", 300_000);
        assertThat(charge("r-1", s, 300_000).status()).isEqualTo(200);
        assertThat(charge("r-2", s, 1).status()).as("the budget is used up").isEqualTo(409);
        voidCharges("r-1");

        Answer retry = charge("r-1", s, 300_000);
        assertThat(retry.status()).as(retry.body()).isEqualTo(409);
        assertThat(retry.text("error")).isEqualTo("charge_voided");
        Answer next = charge("r-3", s, 300_000);
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(credited("daily-byte")).isEqualTo(300_000);
        assertBooksBalance();
    }

    @Test
    void aChargeVoidedBeforeItArrivesIsRefusedUntilItsRequestCouldNoLongerBeValid() throws Exception {
        String s = scrip("daily-byte", 1_000_000);
        long signedAt = now();
        String late = OnlineChargesTest.sign(seller, OnlineChargesTest.claims(seller, signedAt, "r-late", s,
                "50000"));

        Answer voided = voidCharges("r-late");
        assertThat(statusOf(voided, 0)).isEqualTo("not_charged");
        assertThat(voided.json().get("results").get(0).has("amount")).isFalse();

        // The original request arrives late but still valid: refused, nothing charged.
        clock.advance(Duration.ofSeconds(100));
        Answer arrived = OnlineChargesTest.post(broker, late);
        assertThat(arrived.status()).as(arrived.body()).isEqualTo(409);
        assertThat(arrived.text("error")).isEqualTo("charge_voided");
        assertThat(credited("daily-byte")).isZero();
        // Voiding again keeps it refused; another seller's charge with the same id is its own.
        assertThat(statusOf(voidCharges("r-late"), 0)).isEqualTo("not_charged");
        String theirs = scrip("other-news", 100_000);
        assertThat(OnlineChargesTest.post(broker, OnlineChargesTest.sign(other,
                OnlineChargesTest.claims(other, now(), "r-late", theirs, "1000"))).status()).isEqualTo(200);

        // Once no request with that id can be valid any more, the next void purges the tombstone.
        assertThat(tombstones()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(VoidStore.TOMBSTONE_SECONDS + 1));
        Answer expired = OnlineChargesTest.post(broker, late);
        assertThat(expired.text("error")).isEqualTo("expired_request");
        voidCharges("r-other");
        assertThat(tombstones()).as("only the new one").isEqualTo(1);
        assertBooksBalance();
    }

    @Test
    void aTombstoneOutlivesEveryMomentItsChargeRequestIsAccepted() throws Exception {
        // A charge signed by a gateway whose clock is a minute ahead (the most the broker accepts) with the longest
        // lifetime, voided right away: the broker accepts the request until exp + skew.
        String s = scrip("daily-byte", 1_000_000);
        String ahead = OnlineChargesTest.sign(seller, OnlineChargesTest.claims(seller,
                now() + SellerTokens.SKEW.getSeconds(), "r-ahead", s, "50000"));
        voidCharges("r-ahead");
        long lastAccepted = now() + SellerTokens.SKEW.getSeconds() + Charges.MAX_CHARGE_LIFETIME.getSeconds()
                + SellerTokens.SKEW.getSeconds();
        clock.advance(Duration.ofSeconds(lastAccepted - now()));

        Answer arrived = OnlineChargesTest.post(broker, ahead);
        assertThat(arrived.text("error")).as(arrived.body()).isEqualTo("charge_voided");
        clock.advance(Duration.ofSeconds(1));
        assertThat(OnlineChargesTest.post(broker, ahead).text("error")).isEqualTo("expired_request");
        assertThat(credited("daily-byte")).isZero();
    }

    @Test
    void aVoidAfterTheScripWasReturnedPaysTheBuyersBalance() throws Exception {
        String s = scrip("daily-byte", 400_000);
        assertThat(charge("r-1", s, 150_000).status()).isEqualTo(200);
        clock.advance(Duration.ofHours(1).plus(broker.settlementGrace()));
        assertThat(broker.returnExpiredScrip()).isEqualTo(1);
        Answer before = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(before.micros("balance")).isEqualTo(5_000_000 - 150_000);

        assertThat(statusOf(voidCharges("r-1"), 0)).isEqualTo("voided");

        Answer after = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(after.micros("balance")).isEqualTo(5_000_000);
        assertThat(after.micros("reserved")).isZero();
        assertThat(credited("daily-byte")).isZero();
        assertBooksBalance();
    }

    @Test
    void theLargestVoidTheProtocolAllowsIsAccepted() throws Exception {
        String[] charges = new String[Charges.MAX_VOIDS];
        for (int i = 0; i < charges.length; i++) {
            charges[i] = String.format("%03d", i) + "x".repeat(125); // 128 printable characters, the longest id
        }

        Answer answer = voidCharges(charges);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().get("results")).hasSize(Charges.MAX_VOIDS);
    }

    @Test
    void aSellerCannotHoldMoreThanTheMostTombstones() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int batch = 0; batch * Charges.MAX_VOIDS < VoidStore.MAX_TOMBSTONES_PER_SELLER; batch++) {
            String[] charges = new String[Charges.MAX_VOIDS];
            for (int i = 0; i < charges.length; i++) {
                charges[i] = "t-" + batch + "-" + i;
            }
            ids.addAll(List.of(charges));
            assertThat(voidCharges(charges).status()).isEqualTo(200);
        }
        Answer over = voidCharges("one-more");
        assertThat(over.status()).as(over.body()).isEqualTo(429);
        assertThat(over.text("error")).isEqualTo("too_many_voids");
        // Voids of recorded charges still work, and the tombstones go once they expire.
        String s = scrip("daily-byte", 100_000);
        assertThat(charge("r-1", s, 1000).status()).isEqualTo(200);
        assertThat(statusOf(voidCharges("r-1"), 0)).isEqualTo("voided");
        clock.advance(Duration.ofSeconds(VoidStore.TOMBSTONE_SECONDS + 1));
        assertThat(voidCharges("one-more").status()).isEqualTo(200);
        assertThat(tombstones()).isEqualTo(1);
        assertThat(ids).hasSize(VoidStore.MAX_TOMBSTONES_PER_SELLER);
    }

    static Stream<Map.Entry<String, java.util.function.Consumer<ObjectNode>>> badVoids() {
        return Stream.of(
                Map.entry("no charges", c -> c.remove("charges")),
                Map.entry("empty charges", c -> c.putArray("charges")),
                Map.entry("charges not an array", c -> c.put("charges", "r-1")),
                Map.entry("a numeric charge id", c -> c.putArray("charges").add(7)),
                Map.entry("an empty charge id", c -> c.putArray("charges").add("")),
                Map.entry("a long charge id", c -> c.putArray("charges").add("x".repeat(129))),
                Map.entry("a control character", c -> c.putArray("charges").add("r-\n1")),
                Map.entry("a charge twice", c -> c.putArray("charges").add("r-1").add("r-1")),
                Map.entry("too many charges", c -> {
                    ArrayNode list = c.putArray("charges");
                    for (int i = 0; i <= Charges.MAX_VOIDS; i++) {
                        list.add("r-" + i);
                    }
                }),
                Map.entry("no jti", c -> c.remove("jti")),
                Map.entry("unknown claim", c -> c.put("scrip", "x")),
                Map.entry("wrong iss", c -> c.put("iss", "other-news")),
                Map.entry("wrong aud", c -> c.put("aud", "https://elsewhere.test")),
                Map.entry("too long-lived", c -> c.put("exp", c.get("iat").asLong() + 601)));
    }

    @ParameterizedTest
    @MethodSource("badVoids")
    void malformedVoidsAreRefusedWith400AndChangeNothing(Map.Entry<String, java.util.function.Consumer<ObjectNode>> bad)
            throws Exception {
        String s = scrip("daily-byte", 100_000);
        assertThat(charge("r-1", s, 1000).status()).isEqualTo(200);
        ObjectNode c = voidClaims(seller, now(), "r-1");
        bad.getValue().accept(c);

        Answer a = postVoid(broker, TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Charges.VOID_TYPE), c));

        assertThat(a.status()).as(bad.getKey() + ": " + a.body()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("invalid_request");
        assertThat(credited("daily-byte")).isEqualTo(1000);
        assertThat(tombstones()).isZero();
    }

    @Test
    void voidsSignedByAnotherKeyOrOfAnotherTypeAreRefused() throws Exception {
        String s = scrip("daily-byte", 100_000);
        assertThat(charge("r-1", s, 1000).status()).isEqualTo(200);
        String forged = TestSellers.sign(TestSellers.newKeyPair().getPrivate(),
                TestSellers.header(seller.kid(), Charges.VOID_TYPE), voidClaims(seller, now(), "r-1"));
        String asCharge = TestSellers.sign(seller.pair().getPrivate(),
                TestSellers.header(seller.kid(), Charges.CHARGE_TYPE), voidClaims(seller, now(), "r-1"));
        // Another seller naming this seller's charge id voids nothing of it.
        Answer theirs = voidCharges(broker, other, now(), "r-1");

        assertThat(postVoid(broker, forged).status()).isEqualTo(401);
        assertThat(postVoid(broker, asCharge).status()).isEqualTo(400);
        assertThat(statusOf(theirs, 0)).isEqualTo("not_charged");
        assertThat(postVoid(broker, voidClaims(seller, now(), "r-1").toString()).status()).isEqualTo(400);
        assertThat(TestBrokers.get(broker, ApiHandler.VOIDS_PATH, null).status()).isEqualTo(405);
        assertThat(credited("daily-byte")).isEqualTo(1000);
    }

    @Test
    void concurrentOnlineChargesVoidsAndRedemptionsOnOneScripConserveMoney() throws Exception {
        long budget = 2_000_000;
        String s = scrip("daily-byte", budget);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Answer>> charges = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                String id = "c-" + i;
                charges.add(pool.submit(() -> charge(id, s, 40_000)));
            }
            List<Future<Answer>> others = new ArrayList<>();
            for (int i = 0; i < 60; i += 3) {
                String id = "c-" + i;
                others.add(pool.submit(() -> voidCharges(id)));
                long spent = 100_000L * (i + 1);
                others.add(pool.submit(() -> TestSellers.redeem(broker, seller, now(),
                        Map.of(s, Long.toString(spent)))));
            }
            int charged = 0;
            for (Future<Answer> f : charges) {
                Answer a = f.get();
                assertThat(a.status()).as(a.body()).isIn(200, 409);
                charged += a.status() == 200 ? 1 : 0;
            }
            for (Future<Answer> f : others) {
                assertThat(f.get().status()).isEqualTo(200);
            }
            assertThat(charged).isPositive();
        } finally {
            pool.shutdownNow();
        }
        assertBooksBalance();
        Answer me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey());
        long redeemed = Long.parseLong(me.json().get("scrip").get(0).get("redeemed").asText());
        assertThat(redeemed).isBetween(0L, budget);
        assertThat(me.micros("reserved")).isEqualTo(budget - redeemed);
        assertThat(me.micros("balance") + me.micros("reserved") + credited("daily-byte")).isEqualTo(5_000_000);
        // Every charge is voided or counted once in what the seller is credited.
        assertThat(credited("daily-byte")).isEqualTo(redeemed);
    }

    private int tombstones() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Database.FILE));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM charge_tombstones")) {
            return rs.getInt(1);
        }
    }
}
