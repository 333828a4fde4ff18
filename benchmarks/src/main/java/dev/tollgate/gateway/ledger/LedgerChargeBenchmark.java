package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * {@link SqliteLedger#charge} of 1 micro-unit to one scrip with a budget no run can spend ({@code scrips=1}), or to
 * 1,000 such scrip in turn ({@code scrips=1000}: 1,000 buyers, so each fold pass writes the totals of up to 1,000
 * rows), on a fresh database file in the temp directory, by 1, 8 and 32 threads. Group commit batches concurrent callers into one sync, so the time
 * per call (what a request waits) and the charges per second (threads / time per call) differ. With POWER_CUT_SAFE
 * every charge waits for a group write and {@code fdatasync} of the journal.
 *
 * <p>The fold into SQLite is part of the cost: each invocation makes {@value #BATCH} charges and then folds what the
 * journal holds on the calling thread ({@link SqliteLedger#unsettled}), so the time per charge includes folding it
 * (or waiting for the background fold to finish it), and a run cannot leave a backlog behind.
 *
 * <p>Do not pass {@code -t} when running these: it overrides the {@code @Threads} of each method.
 *
 * <p>At tear-down, closes the ledger (which folds in what is left) and then prints the process CPU time (all threads,
 * the materializer and the JMH harness included) per charge over the whole trial, warm-up included, and with
 * POWER_CUT_SAFE the charges per group sync.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class LedgerChargeBenchmark {

    /** Charges per invocation, folded in at its end. */
    static final int BATCH = 1024;

    @Param({"POWER_CUT_SAFE", "PROCESS_CRASH_SAFE"})
    public SqliteLedger.Durability durability;

    /** Distinct scrip charged in turn. */
    @Param({"1", "1000"})
    public int scrips;

    private Path dir;
    private SqliteLedger ledger;
    private ScripAccount[] accounts;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder charges = new LongAdder();
    private long cpuStartNanos;

    @Setup
    public void setUp() throws IOException, LedgerUnavailableException {
        dir = Files.createTempDirectory("tollgate-bench-ledger");
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), durability);
        accounts = new ScripAccount[scrips];
        for (int i = 0; i < scrips; i++) {
            accounts[i] = new ScripAccount("https://broker.test", "bench-" + System.nanoTime() + "-" + i,
                    "buyer-" + i, "seller-1", 1_000_000_000_000_000L, "USD", Instant.now().plus(1, ChronoUnit.DAYS));
            ledger.charge(accounts[i], 0, "/warm-up"); // records the scrip, so every measured call is a plain charge
        }
        charges.reset();
        cpuStartNanos = processCpuNanos();
    }

    @TearDown
    public void tearDown() throws IOException {
        long syncs = ledger.journalSyncs();
        ledger.close(); // folds in what is left: its CPU counts
        long cpu = processCpuNanos() - cpuStartNanos;
        long n = charges.sum();
        System.out.printf("%n[cpu] %s: %d charges, process CPU %.1f us per charge (fold included), %d syncs%n",
                durability, n, n == 0 ? Double.NaN : cpu / 1000.0 / n, syncs);
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public ChargeResult charge1Thread() throws LedgerUnavailableException {
        return chargeBatchAndFold();
    }

    @Benchmark
    @Threads(8)
    @OperationsPerInvocation(BATCH)
    public ChargeResult charge8Threads() throws LedgerUnavailableException {
        return chargeBatchAndFold();
    }

    @Benchmark
    @Threads(32)
    @OperationsPerInvocation(BATCH)
    public ChargeResult charge32Threads() throws LedgerUnavailableException {
        return chargeBatchAndFold();
    }

    private ChargeResult chargeBatchAndFold() throws LedgerUnavailableException {
        ChargeResult result = null;
        for (int i = 0; i < BATCH; i++) {
            result = ledger.charge(accounts[Math.floorMod(next.getAndIncrement(), scrips)], 1, "/articles/one");
        }
        charges.add(BATCH);
        ledger.unsettled(0); // folds the journal into SQLite on this thread, inside the measured time
        return result;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
