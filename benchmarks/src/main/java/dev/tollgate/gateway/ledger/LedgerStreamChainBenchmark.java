package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
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
 * The ledger side of streams and PayWord on a fresh database file in the temp directory:
 * <ul>
 *   <li>{@code entitlementHit*}: {@link SqliteLedger#chargeStream} for a stream the buyer is already entitled to
 *       (the lock-free cache hit plus the presented scrip's remaining budget), by 1 and 8 threads;</li>
 *   <li>{@code chainAdvanceByOne}: {@link SqliteLedger#chainHead} then {@link SqliteLedger#chargeChain} with the next
 *       word, one unit: an ADVANCE and a CHARGE record (durable per the mode). Hashing is not included: the ledger
 *       leaves verifying words to its caller. Each invocation makes {@value LedgerChargeBenchmark#BATCH} payments
 *       and then folds them into SQLite on the calling thread, so the time per payment includes the fold.</li>
 * </ul>
 * Do not pass {@code -t}: it overrides the {@code @Threads} of each method.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class LedgerStreamChainBenchmark {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Instant UNTIL = NOW.plus(4, ChronoUnit.HOURS);

    @Param({"POWER_CUT_SAFE", "PROCESS_CRASH_SAFE"})
    public SqliteLedger.Durability durability;

    private Path dir;
    private SqliteLedger ledger;
    private ScripAccount scrip;
    private ChainAccount chain;
    private final byte[] word = new byte[32];

    @Setup
    public void setUp() throws IOException, LedgerUnavailableException {
        dir = Files.createTempDirectory("tollgate-bench-streams");
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), durability);
        Instant expires = Instant.now().plus(1, ChronoUnit.DAYS);
        scrip = new ScripAccount("https://broker.test", "bench-" + System.nanoTime(), "buyer-1", "seller-1",
                1_000_000_000L, "USD", expires);
        if (!(ledger.chargeStream(scrip, 100, "/videos/1", NOW, UNTIL) instanceof ChargeResult.Charged)) {
            throw new IllegalStateException("the entitling charge failed");
        }
        chain = new ChainAccount("https://broker.test", "chain-" + System.nanoTime(), "jws", "buyer-1", "seller-1",
                Integer.MAX_VALUE, 1, "USD", expires, new byte[32], "cert-1", Integer.MAX_VALUE, "jti-1");
    }

    @TearDown
    public void tearDown() throws IOException {
        ledger.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Benchmark
    @Threads(1)
    public ChargeResult entitlementHit1Thread() throws LedgerUnavailableException {
        return ledger.chargeStream(scrip, 100, "/videos/1", NOW, UNTIL);
    }

    @Benchmark
    @Threads(8)
    public ChargeResult entitlementHit8Threads() throws LedgerUnavailableException {
        return ledger.chargeStream(scrip, 100, "/videos/1", NOW, UNTIL);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(LedgerChargeBenchmark.BATCH)
    public ChargeResult chainAdvanceByOne() throws LedgerUnavailableException {
        ChargeResult result = null;
        for (int i = 0; i < LedgerChargeBenchmark.BATCH; i++) {
            ChainHead head = ledger.chainHead(chain);
            result = ledger.chargeChain(chain, head, head.index() + 1, word, 1, "/live/1");
            if (!(result instanceof ChargeResult.Charged)) {
                throw new IllegalStateException("chain payment not charged: " + result);
            }
        }
        ledger.unsettled(0); // folds the journal into SQLite on this thread, inside the measured time
        return result;
    }
}
