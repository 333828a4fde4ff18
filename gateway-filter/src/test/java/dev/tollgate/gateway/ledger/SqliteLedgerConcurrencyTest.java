package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class SqliteLedgerConcurrencyTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SqliteLedger.Durability.class)
    void concurrentChargesOnOneScripNeverExceedItsBudget(SqliteLedger.Durability durability) throws Exception {
        Path file = dir.resolve("ledger.db");
        ScripAccount scrip = scrip("shared", 1_000);
        int threads = 32;
        int attempts = 100;
        long price = 7;
        ConcurrentLinkedQueue<ChargeResult.Charged> charged = new ConcurrentLinkedQueue<>();
        AtomicInteger insufficient = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SqliteLedger ledger = SqliteLedger.open(file, durability)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < attempts; i++) {
                        ChargeResult result = ledger.charge(scrip, price, "/p");
                        if (result instanceof ChargeResult.Charged c) {
                            charged.add(c);
                        } else {
                            insufficient.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            long sum = charged.stream().mapToLong(ChargeResult.Charged::amountMicros).sum();
            assertThat(charged).hasSize((int) (1_000 / price));
            assertThat(sum).isLessThanOrEqualTo(1_000).isEqualTo(1_000 - ledger.remaining(scrip));
            assertThat(insufficient).hasValue(threads * attempts - charged.size());
            assertThat(charged.stream().map(ChargeResult.Charged::receiptId).distinct()).hasSize(charged.size());
        } finally {
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.stored(file, "shared").spent()).isEqualTo(994);
        assertThat(LedgerFixtures.charges(file)).hasSize(142);
        try (SqliteLedger reopened = SqliteLedger.open(file, durability)) {
            assertThat(reopened.remaining(scrip)).isEqualTo(6);
            assertThat(reopened.charge(scrip, 7, "/p")).isEqualTo(new ChargeResult.Insufficient(6));
        }
    }

    @ParameterizedTest
    @EnumSource(SqliteLedger.Durability.class)
    void manyThreadsOnManyScripRecordExactlyTheAcknowledgedCharges(SqliteLedger.Durability durability)
            throws Exception {
        Path file = dir.resolve("ledger.db");
        int threads = 8;
        int perThread = 5_000;
        int scripCount = 64;
        Map<String, AtomicLong> acknowledged = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long elapsed;
        try (SqliteLedger ledger = SqliteLedger.open(file, durability)) {
            List<Future<?>> futures = new ArrayList<>();
            long started = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String jti = "s" + ((thread * 7919 + i) % scripCount);
                        ChargeResult result = ledger.charge(scrip(jti, 1_000_000), 1 + i % 5, "/m");
                        if (result instanceof ChargeResult.Charged c) {
                            acknowledged.computeIfAbsent(jti, k -> new AtomicLong()).addAndGet(c.amountMicros());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(100, TimeUnit.SECONDS);
            }
            elapsed = System.nanoTime() - started;
        } finally {
            pool.shutdownNow();
        }
        // Information only, not an assertion: wall clock per charge with group commit on this machine.
        System.out.printf("%s: %d charges in %d ms, %.1f us each%n", durability, threads * perThread,
                Duration.ofNanos(elapsed).toMillis(), elapsed / 1_000.0 / (threads * perThread));
        assertThat(LedgerFixtures.charges(file)).hasSize(threads * perThread);
        for (Map.Entry<String, AtomicLong> entry : acknowledged.entrySet()) {
            assertThat(LedgerFixtures.stored(file, entry.getKey()).spent()).isEqualTo(entry.getValue().get());
        }
    }

    @Test
    void chargesRacingWithCloseEitherCommitOrFailAndNeverHang() throws Exception {
        Path file = dir.resolve("ledger.db");
        int threads = 8;
        ConcurrentLinkedQueue<ChargeResult.Charged> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicInteger unavailable = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ScripAccount scrip = scrip("c" + t, Long.MAX_VALUE / 2);
                futures.add(pool.submit(() -> {
                    while (true) {
                        try {
                            acknowledged.add((ChargeResult.Charged) ledger.charge(scrip, 3, "/c"));
                        } catch (LedgerUnavailableException e) {
                            unavailable.incrementAndGet();
                            return null;
                        }
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (acknowledged.size() < 500 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(acknowledged.size()).isGreaterThanOrEqualTo(500);

            ledger.close();

            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(unavailable).hasValue(threads);
        Map<String, LedgerFixtures.StoredCharge> stored = LedgerFixtures.charges(file);
        assertThat(stored).hasSize(acknowledged.size());
        for (ChargeResult.Charged charged : acknowledged) {
            assertThat(stored.get(charged.receiptId())).isNotNull()
                    .extracting(LedgerFixtures.StoredCharge::amount).isEqualTo(3L);
        }
    }
}
