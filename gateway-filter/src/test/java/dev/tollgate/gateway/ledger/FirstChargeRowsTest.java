package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows of first-seen scrip: first charges that wait for the database lock together have their rows inserted in
 * one transaction by whichever of them gets it, each scrip keeps one state (and so one budget) however many of its
 * first charges wait at once, and every charge is recorded against its own scrip.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class FirstChargeRowsTest {

    @TempDir
    Path dir;

    @Test
    void firstChargesWaitingTogetherInsertTheirRowsInOneTransaction() throws Exception {
        Path file = dir.resolve("ledger.db");
        int buyers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(buyers);
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            List<Future<ChargeResult>> results = new ArrayList<>();
            long before = ledger.scripRowCommits();
            ledger.holdingDatabase(() -> { // as a fold pass would while new buyers arrive
                for (int i = 0; i < buyers; i++) {
                    ScripAccount scrip = scrip("new-" + i, 100);
                    results.add(pool.submit(() -> ledger.charge(scrip, 10, "/p")));
                }
                awaitTrue(() -> ledger.scripRowsWaiting() == buyers ? 1 : 0);
            });
            for (Future<ChargeResult> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isInstanceOf(ChargeResult.Charged.class);
            }
            assertThat(ledger.scripRowCommits() - before).isEqualTo(1);
            assertThat(ledger.scripRowsWaiting()).isZero();
            for (int i = 0; i < buyers; i++) {
                assertThat(ledger.remaining(scrip("new-" + i, 100))).isEqualTo(90);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < buyers; i++) {
            assertThat(LedgerFixtures.stored(file, "new-" + i).spent()).isEqualTo(10);
        }
        assertThat(LedgerFixtures.charges(file)).hasSize(buyers);
    }

    @Test
    void oneScripsFirstChargesWaitingTogetherShareOneBudget() throws Exception {
        Path file = dir.resolve("ledger.db");
        int charges = 6;
        ExecutorService pool = Executors.newFixedThreadPool(charges);
        List<ChargeResult> answered = new ArrayList<>();
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            List<Future<ChargeResult>> results = new ArrayList<>();
            ledger.holdingDatabase(() -> {
                for (int i = 0; i < charges; i++) {
                    results.add(pool.submit(() -> ledger.charge(scrip("shared", 10), 3, "/p")));
                }
                awaitTrue(() -> ledger.scripRowsWaiting() == charges ? 1 : 0);
            });
            for (Future<ChargeResult> result : results) {
                answered.add(result.get(30, TimeUnit.SECONDS));
            }
            assertThat(ledger.remaining(scrip("shared", 10))).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(answered).filteredOn(ChargeResult.Charged.class::isInstance).hasSize(3);
        assertThat(answered).filteredOn(ChargeResult.Insufficient.class::isInstance).hasSize(3);
        assertThat(LedgerFixtures.stored(file, "shared").spent()).isEqualTo(9);
        assertThat(LedgerFixtures.charges(file)).hasSize(3);
    }

    /** Polls until {@code condition} gives 1, for at most 20 seconds. */
    /** One transaction inserts at most 64 waiting rows: 70 first charges waiting together take two commits. */
    @Test
    void aTransactionInsertsAtMost64WaitingRows() throws Exception {
        Path file = dir.resolve("ledger.db");
        int buyers = 70;
        ExecutorService pool = Executors.newFixedThreadPool(buyers);
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            List<Future<ChargeResult>> results = new ArrayList<>();
            long before = ledger.scripRowCommits();
            ledger.holdingDatabase(() -> {
                for (int i = 0; i < buyers; i++) {
                    ScripAccount scrip = scrip("many-" + i, 100);
                    results.add(pool.submit(() -> ledger.charge(scrip, 10, "/p")));
                }
                awaitTrue(() -> ledger.scripRowsWaiting() == buyers ? 1 : 0);
            });
            for (Future<ChargeResult> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isInstanceOf(ChargeResult.Charged.class);
            }
            assertThat(ledger.scripRowCommits() - before).isEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.charges(file)).hasSize(buyers);
    }

    /**
     * A charge that gives up waiting for the database lock after another charge's transaction committed its row goes on
     * with that row: it is charged, not refused (a committed row for a refused charge would make {@code closeUnused}
     * call a scrip that never paid "used here").
     */
    @Test
    void aChargeWhoseRowWasCommittedWhileItWaitedIsChargedEvenIfItGivesUpWaiting() throws Exception {
        Path file = dir.resolve("ledger.db");
        int waiting = 2;
        ExecutorService pool = Executors.newFixedThreadPool(waiting);
        LedgerTuning tuning = LedgerTuning.DEFAULTS.withWaitTimeoutMillis(300);
        try (SqliteLedger ledger = SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            List<Future<ChargeResult>> results = new ArrayList<>();
            ledger.holdingDatabase(() -> {
                for (int i = 0; i < waiting; i++) {
                    ScripAccount scrip = scrip("late-" + i, 100);
                    results.add(pool.submit(() -> ledger.charge(scrip, 10, "/p")));
                }
                awaitTrue(() -> ledger.scripRowsWaiting() == waiting ? 1 : 0);
                try {
                    // This thread holds the lock, so its own first charge runs the transaction that inserts the
                    // waiting rows too; then it keeps the lock until the others have given up waiting for it.
                    assertThat(ledger.charge(scrip("holder", 100), 10, "/p")).isInstanceOf(ChargeResult.Charged.class);
                } catch (LedgerUnavailableException e) {
                    throw new AssertionError(e);
                }
                awaitTrue(() -> results.stream().allMatch(Future::isDone) ? 1 : 0);
            });
            for (Future<ChargeResult> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isInstanceOf(ChargeResult.Charged.class);
            }
            for (int i = 0; i < waiting; i++) {
                assertThat(ledger.remaining(scrip("late-" + i, 100))).isEqualTo(90);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.charges(file)).hasSize(waiting + 1);
    }

    private static void awaitTrue(IntSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (condition.getAsInt() != 1) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.onSpinWait();
        }
    }
}
