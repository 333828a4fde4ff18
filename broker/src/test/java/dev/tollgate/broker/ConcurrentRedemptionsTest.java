package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * Redemptions and online charges racing on the same scrip, in one broker and in two broker processes on one database
 * (two SQLite connections): money is conserved and the seller is credited once for the same money.
 */
final class ConcurrentRedemptionsTest {

    private static final int RACERS = 8;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private final ExecutorService pool = Executors.newFixedThreadPool(RACERS + 4);
    private Broker broker;
    private TestSellers.Key seller;
    private Buyer buyer;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, TestBrokers.SELLER);
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
    }

    @AfterEach
    void close() {
        pool.shutdownNow();
        broker.close();
    }

    private String scrip(long budget) {
        return TestBrokers.issue(broker, buyer, TestBrokers.SELLER, budget).text("jti");
    }

    private Callable<Answer> redemption(Broker at, String jti, long spent) {
        return () -> TestSellers.redeem(at, seller, clock.instant().getEpochSecond(), Map.of(jti, Long.toString(spent)));
    }

    private Callable<Answer> charge(String chargeId, String jti, long amount) {
        return () -> OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller, OnlineChargesTest.claims(seller,
                clock.instant().getEpochSecond(), chargeId, jti, Long.toString(amount))));
    }

    /** Runs every task at once (released together) and returns their answers. */
    private List<Answer> race(List<Callable<Answer>> tasks) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Answer>> futures = new ArrayList<>();
        for (Callable<Answer> task : tasks) {
            futures.add(pool.submit(() -> {
                go.await();
                return task.call();
            }));
        }
        go.countDown();
        List<Answer> answers = new ArrayList<>();
        for (Future<Answer> f : futures) {
            Answer a = f.get();
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            answers.add(a);
        }
        return answers;
    }

    private static long creditedIn(List<Answer> answers) {
        long sum = 0;
        for (Answer a : answers) {
            JsonNode results = a.json().get("results");
            if (results != null) {
                sum += results.get(0).path("credited").asLong(0);
            } else {
                sum += a.micros("amount");
            }
        }
        return sum;
    }

    private void assertSellerCredited(long expected) throws Exception {
        assertThat(broker.statements().creditsBySeller().get(TestBrokers.SELLER)).containsExactly(expected, expected);
        assertThat(broker.statements().totals().conserved()).isTrue();
        assertThat(broker.statements().totals().credited()).isEqualTo(expected);
    }

    @Test
    void batchesClaimingTheSameScripAtOnceCreditTheSellerOnce() throws Exception {
        String jti = scrip(1_000_000);
        List<Callable<Answer>> tasks = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            tasks.add(redemption(broker, jti, 400_000));
        }

        List<Answer> answers = race(tasks);

        assertThat(answers).filteredOn(a -> a.json().at("/results/0/status").asText().equals("credited")).hasSize(1);
        assertThat(creditedIn(answers)).isEqualTo(400_000);
        assertSellerCredited(400_000);
    }

    @Test
    void batchesWithGrowingClaimsInAnyOrderCreditTheHighest() throws Exception {
        String jti = scrip(1_000_000);
        List<Callable<Answer>> tasks = new ArrayList<>();
        for (int i = 1; i <= RACERS; i++) {
            tasks.add(redemption(broker, jti, i * 100_000L));
        }

        List<Answer> answers = race(tasks);

        assertThat(creditedIn(answers)).isEqualTo(RACERS * 100_000L);
        assertSellerCredited(RACERS * 100_000L);
    }

    @Test
    void claimsRacingOnlineChargesOnTheSameScripCreditEachMicroUnitOnce() throws Exception {
        String jti = scrip(1_000_000);
        // The gateway charged 300000 offline and claims it while four online charges of 50000 are in flight (each
        // also sent twice, as a retry would); its claim does not include charges the broker has not confirmed.
        List<Callable<Answer>> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tasks.add(redemption(broker, jti, 300_000));
            tasks.add(charge("r-" + i, jti, 50_000));
            tasks.add(charge("r-" + i, jti, 50_000));
        }

        List<Answer> answers = race(tasks);

        for (Answer a : answers) {
            if (a.json().has("status")) {
                assertThat(a.text("status")).isEqualTo("charged");
            }
        }
        long redeemed = broker.statements().creditsBySeller().get(TestBrokers.SELLER)[0];
        assertThat(redeemed).as("whatever the order, the broker holds the online charges and at least the claim")
                .isBetween(300_000L, 500_000L);
        assertThat(broker.statements().totals().conserved()).isTrue();

        // Once the charges are confirmed the gateway's cumulative claim includes them: 300000 + 4 x 50000.
        Answer last = redemption(broker, jti, 500_000).call();

        assertThat(last.json().at("/results/0/redeemed").asText()).isEqualTo("500000");
        assertSellerCredited(500_000);
        assertThat(TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).micros("reserved"))
                .isEqualTo(1_000_000 - 500_000);
    }

    @Test
    void twoBrokersOnOneDatabaseRedeemingTheSameScripAtOnceCreditTheSellerOnce() throws Exception {
        String jti = scrip(1_000_000);
        try (Broker second = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO)
                .build().start()) {
            List<Callable<Answer>> tasks = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                tasks.add(redemption(i % 2 == 0 ? broker : second, jti, 250_000 + (i / 2) * 10_000L));
                tasks.add(redemption(i % 2 == 0 ? second : broker, jti, 250_000 + (i / 2) * 10_000L));
            }

            List<Answer> answers = race(tasks);

            long highest = 250_000 + (RACERS - 1) / 2 * 10_000L;
            assertThat(creditedIn(answers)).isEqualTo(highest);
            assertSellerCredited(highest);
            assertThat(second.statements().totals()).isEqualTo(broker.statements().totals());
        }
    }
}
