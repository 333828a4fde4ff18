package dev.tollgate.gateway.settlement;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What a paid request pays to keep its charge out of claims while it may still be refunded: a {@link RefundHold}
 * made, armed and ended ({@code holds}), against the per-scrip counter of running requests it replaced
 * ({@code runningCounter}: {@code merge} then {@code computeIfPresent} on a concurrent map, as before 0.3). Requests
 * spread over 64 scrip; run with {@code -t 1} and {@code -t 4}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class RefundHoldsBenchmark {

    private static final String ISSUER = "https://broker.example";

    private final RefundHolds holds = new RefundHolds(Clock.systemUTC(), Duration.ofSeconds(60));
    private final Map<String, Integer> running = new ConcurrentHashMap<>();
    private final String[] jtis = new String[64];
    private final RefundHold.Delivery delivery = () -> false;

    public RefundHoldsBenchmark() {
        for (int i = 0; i < jtis.length; i++) {
            jtis[i] = "scrip-" + Integer.toHexString(i * 0x9e3779b9);
        }
    }

    /** Each thread walks the scrip on its own. */
    @State(Scope.Thread)
    public static class Walk {
        private int next;

        String jti(String[] jtis) {
            next = (next + 1) & (jtis.length - 1);
            return jtis[next];
        }
    }

    @Benchmark
    public RefundHold holds(Walk walk) {
        RefundHold hold = holds.scrip(ISSUER, walk.jti(jtis), 50_000);
        hold.forwarding(delivery);
        hold.end();
        return hold;
    }

    @Benchmark
    public Map<String, Integer> runningCounter(Walk walk) {
        String jti = walk.jti(jtis);
        running.merge(jti, 1, Integer::sum);
        running.computeIfPresent(jti, (k, n) -> n == 1 ? null : n - 1);
        return running;
    }
}
