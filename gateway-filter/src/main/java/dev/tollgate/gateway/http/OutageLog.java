package dev.tollgate.gateway.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decides which refusals of an outage are logged in full. While the ledger (or Redis behind it) is down, every paid
 * request is refused; logging each at ERROR with its stack trace would flood the container's log at the request
 * rate, which a visitor controls. One in each interval is logged, with how many were refused since. Thread-safe.
 */
final class OutageLog {

    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final AtomicLong nextLogNanos;
    private final AtomicLong suppressed = new AtomicLong();

    OutageLog(long nowNanos) {
        this.nextLogNanos = new AtomicLong(nowNanos);
    }

    /**
     * Whether the refusal at {@code nowNanos} is to be logged in full: the first one once the interval since the last
     * logged one has passed. Returns the number refused without a log since then, plus one for this one, or 0 if this
     * one is not to be logged.
     */
    long refused(long nowNanos) {
        long next = nextLogNanos.get();
        if (nowNanos - next >= 0 && nextLogNanos.compareAndSet(next, nowNanos + INTERVAL_NANOS)) {
            return suppressed.getAndSet(0) + 1;
        }
        suppressed.incrementAndGet();
        return 0;
    }
}
