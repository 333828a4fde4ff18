package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The first charge of a scrip never seen before (load.sh's {@code firstseen} case, without the signature check):
 * {@link SqliteLedger#charge} of 1 micro-unit to a new scrip on every call, {@code PROCESS_CRASH_SAFE}, on a fresh
 * database file, by 1 and 8 threads. Each call inserts the scrip's row under the database lock before its CHARGE
 * record; each invocation makes {@value #BATCH} such charges and then folds them in ({@link SqliteLedger#unsettled}),
 * as {@link LedgerChargeBenchmark} does, so the fold's UPDATE of every new row is part of the cost.
 *
 * <p>Do not pass {@code -t} when running these. At tear-down prints the process CPU time per first charge over the
 * whole trial (all threads: callers, the materializer, GC and the harness), and how many rows each transaction that
 * inserted first-seen rows inserted on average.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class FirstChargeBenchmark {

    /** First charges per invocation, folded in at its end. */
    static final int BATCH = 256;

    private Path dir;
    private SqliteLedger ledger;
    private final AtomicLong next = new AtomicLong();
    private final LongAdder charges = new LongAdder();
    private final String run = Long.toString(System.nanoTime(), 36);
    private final Instant expires = Instant.now().plus(1, ChronoUnit.DAYS);
    private long cpuStartNanos;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tollgate-bench-first-charge");
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        cpuStartNanos = processCpuNanos();
    }

    @TearDown
    public void tearDown() throws IOException {
        long commits = ledger.scripRowCommits();
        ledger.close();
        long cpu = processCpuNanos() - cpuStartNanos;
        long n = charges.sum();
        System.out.printf("%n[cpu] %d first charges, process CPU %.1f us per first charge (fold included), %.2f rows "
                + "per transaction%n", n, n == 0 ? Double.NaN : cpu / 1000.0 / n, (double) n / commits);
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
    public ChargeResult firstCharge1Thread() throws LedgerUnavailableException {
        return chargeBatchAndFold();
    }

    @Benchmark
    @Threads(8)
    @OperationsPerInvocation(BATCH)
    public ChargeResult firstCharge8Threads() throws LedgerUnavailableException {
        return chargeBatchAndFold();
    }

    private ChargeResult chargeBatchAndFold() throws LedgerUnavailableException {
        ChargeResult result = null;
        for (int i = 0; i < BATCH; i++) {
            long n = next.getAndIncrement();
            // A jti and a buyer of a real scrip's length (22 characters of base64url), new every call
            ScripAccount scrip = new ScripAccount("https://broker.test", "jti-" + run + "-" + n, "buyer-" + run + "-"
                    + n, "seller-1", 1_000_000_000_000_000L, "USD", expires);
            result = ledger.charge(scrip, 1, "/articles/one");
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
