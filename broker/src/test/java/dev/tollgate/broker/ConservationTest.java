package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * Money is conserved: after a seeded random sequence of account creations, top-ups, scrip issues (some overdrafts,
 * some for unknown sellers) and concurrent bursts, sum(balance) + sum(reserved) + sum(seller credits) equals
 * sum(deposits), and every buyer's balance matches a model of what it should be.
 */
final class ConservationTest {

    private static final long SEED = 20240611L;
    private static final int OPERATIONS = 200;
    private static final int BURST = 5;

    @TempDir
    Path dir;

    @Test
    void moneyIsConservedAcrossARandomSequenceOfOperations() throws Exception {
        Random random = new Random(SEED);
        Map<Buyer, long[]> model = new HashMap<>(); // buyer -> {balance, reserved}
        List<Buyer> buyers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Broker broker = TestBrokers.startDemo(dir)) {
            for (int i = 0; i < OPERATIONS; i++) {
                int op = buyers.isEmpty() ? 0 : random.nextInt(10);
                if (op == 0) {
                    long deposit = 1 + random.nextInt(3_000_000);
                    Buyer b = TestBrokers.newBuyer(broker, deposit);
                    buyers.add(b);
                    model.put(b, new long[] {deposit, 0});
                } else if (op == 1) {
                    Buyer b = buyers.get(random.nextInt(buyers.size()));
                    long amount = 1 + random.nextInt(1_000_000);
                    broker.store().deposit(b.account(), amount, "test");
                    model.get(b)[0] += amount;
                } else if (op <= 7) {
                    Buyer b = buyers.get(random.nextInt(buyers.size()));
                    String seller = random.nextInt(20) == 0 ? "unknown-seller" : TestBrokers.SELLER;
                    long budget = 1 + random.nextInt(800_000);
                    Answer a = TestBrokers.issue(broker, b, seller, budget);
                    long[] m = model.get(b);
                    if (seller.equals(TestBrokers.SELLER) && budget <= m[0]) {
                        assertThat(a.status()).isEqualTo(201);
                        m[0] -= budget;
                        m[1] += budget;
                    } else {
                        assertThat(a.status()).isIn(404, 409);
                    }
                } else {
                    Buyer b = buyers.get(random.nextInt(buyers.size()));
                    long budget = 1 + random.nextInt(400_000);
                    List<Future<Answer>> burst = new ArrayList<>();
                    for (int k = 0; k < BURST; k++) {
                        burst.add(pool.submit(() -> TestBrokers.issue(broker, b, TestBrokers.SELLER, budget)));
                    }
                    long[] m = model.get(b);
                    long expected = Math.min(BURST, m[0] / budget);
                    int issued = 0;
                    for (Future<Answer> f : burst) {
                        if (f.get().status() == 201) {
                            issued++;
                        }
                    }
                    assertThat(issued).isEqualTo(expected);
                    m[0] -= issued * budget;
                    m[1] += issued * budget;
                }
                if (i % 10 == 9) {
                    assertThat(broker.store().totals().conserved()).as("after operation %d", i).isTrue();
                }
            }
            Store.Totals totals = broker.store().totals();
            long modelDeposits = 0;
            for (Buyer b : buyers) {
                long[] m = model.get(b);
                Store.Account account = broker.store().account(b.account(), 1).orElseThrow();
                assertThat(account.balance()).as("balance of %s", b.account()).isEqualTo(m[0]);
                assertThat(account.reserved()).as("reserved of %s", b.account()).isEqualTo(m[1]);
                modelDeposits += m[0] + m[1];
            }
            assertThat(totals.deposits()).isEqualTo(modelDeposits);
            assertThat(totals.balances() + totals.reserved() + totals.credited()).isEqualTo(totals.deposits());
            assertThat(totals.reserved()).isPositive();
        } finally {
            pool.shutdownNow();
        }
    }
}
