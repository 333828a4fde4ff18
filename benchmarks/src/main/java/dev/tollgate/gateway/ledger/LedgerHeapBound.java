package dev.tollgate.gateway.ledger;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The heap a {@link SqliteLedger} keeps after many distinct scrip were each charged once: what a gateway holds after
 * a million first visits. Each scrip is charged 1 micro-unit on a fresh database file in the temp directory (its row
 * is inserted on the way, as for a first-seen scrip in the gateway); every {@value #STEP} scrip the journal is folded
 * in, a full GC runs and the used heap is printed. The in-memory scrip states are bounded by the ledger's state
 * capacity (65,536, evicted once folded in), the resource ids by theirs: the heap must level off however many scrip
 * are charged.
 *
 * <p>Usage: {@code java -Xmx192m -cp benchmarks.jar dev.tollgate.gateway.ledger.LedgerHeapBound [scrip] [bound MiB]}
 * (benchmarks/heap.sh). Exits with status 1 if the used heap after the last scrip is above the bound (default
 * 1,000,000 scrip, 64 MiB).
 */
public final class LedgerHeapBound {

    /** Scrip charged between two measurements. */
    static final int STEP = 100_000;

    private LedgerHeapBound() {
    }

    public static void main(String[] args) throws Exception {
        int scrip = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long boundBytes = (args.length > 1 ? Long.parseLong(args[1]) : 64) << 20;
        Path dir = Files.createTempDirectory("tollgate-heap");
        Instant expires = Instant.now().plus(1, ChronoUnit.DAYS);
        long used;
        long start = System.nanoTime();
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"),
                SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            System.out.printf("%9s %14s %10s%n", "scrip", "heap used MiB", "seconds");
            System.out.printf("%9d %14.1f %10.1f%n", 0, usedAfterGc() / 1048576.0, 0.0);
            for (int i = 1; i <= scrip; i++) {
                ChargeResult result = ledger.charge(new ScripAccount("https://broker.test", String.format(
                        "jti-%010d", i), String.format("buyer-%010d", i), "seller-1", 1_000, "USD", expires), 1,
                        "/articles/" + (i % 1_000));
                if (!(result instanceof ChargeResult.Charged)) {
                    throw new IllegalStateException("scrip " + i + " was not charged: " + result);
                }
                if (i % STEP == 0 || i == scrip) {
                    ledger.unsettled(0); // folds the journal into SQLite, so that folded states may be evicted
                    used = usedAfterGc();
                    System.out.printf("%9d %14.1f %10.1f%n", i, used / 1048576.0, (System.nanoTime() - start) / 1e9);
                }
            }
            used = usedAfterGc();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
        System.out.printf("heap used after %,d scrip: %.1f MiB (bound %d MiB, -Xmx %d MiB)%n", scrip,
                used / 1048576.0, boundBytes >> 20, Runtime.getRuntime().maxMemory() >> 20);
        if (used > boundBytes) {
            System.out.println("OVER THE BOUND");
            System.exit(1);
        }
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
