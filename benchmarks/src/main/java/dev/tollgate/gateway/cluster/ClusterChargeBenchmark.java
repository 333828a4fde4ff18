package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
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
 * A click in cluster mode covered by the node's slice (docs/CLUSTER.md): {@link RedisLedger#charge} against the same
 * {@link SqliteLedger#charge} alone, one thread, 1 micro-unit per charge on one scrip whose budget no run spends, the
 * journal folded per batch as in {@code LedgerChargeBenchmark}. The Redis store is a real {@code redis-server}
 * ({@code /usr/bin/redis-server}, AOF fsynced always) started on a free port; refills run in the background, so the
 * difference is the slice's compare-and-set and what the wrapper allocates. Prints process CPU per charge at
 * tear-down.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class ClusterChargeBenchmark {

    static final int BATCH = 1024;

    @Param({"sqlite", "redis"})
    public String store;

    private Path dir;
    private Process redis;
    private Ledger ledger;
    private ScripAccount scrip;
    private final LongAdder charges = new LongAdder();
    private long cpuStartNanos;

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("tollgate-bench-cluster");
        SqliteLedger node = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        if (store.equals("redis")) {
            int port = freePort();
            redis = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port), "--bind",
                    "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "yes", "--appendfsync",
                    "always").redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            awaitPort(port);
            BudgetLeases leases = BudgetLeases.connect(RedisURI.create("redis://127.0.0.1:" + port),
                    node.databaseId(), LeaseSettings.defaults());
            ledger = RedisLedger.open(node, leases, SlicePolicy.defaults());
        } else {
            ledger = node;
        }
        scrip = new ScripAccount("https://broker.test", "bench-" + System.nanoTime(), "buyer-1", "seller-1",
                1_000_000_000_000L, "USD", Instant.now().plus(1, ChronoUnit.DAYS));
        ledger.charge(scrip, 1, "/warm-up"); // the first lease and the scrip's row: every measured call is a click
        charges.reset();
        cpuStartNanos = processCpuNanos();
    }

    @TearDown
    public void tearDown() throws Exception {
        ledger.close();
        long cpu = processCpuNanos() - cpuStartNanos;
        long n = charges.sum();
        System.out.printf("%n[cpu] %s: %d charges, process CPU %.2f us per charge (fold included)%n", store, n,
                n == 0 ? Double.NaN : cpu / 1000.0 / n);
        if (redis != null) {
            redis.destroyForcibly().waitFor();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public ChargeResult click() throws LedgerUnavailableException {
        ChargeResult result = null;
        for (int i = 0; i < BATCH; i++) {
            result = ledger.charge(scrip, 1, "/articles/one");
        }
        charges.add(BATCH);
        ledger.unsettled(0); // folds the journal into SQLite on this thread, inside the measured time
        return result;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() - deadline < 0) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(10); // the polling interval
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within 20 s");
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
