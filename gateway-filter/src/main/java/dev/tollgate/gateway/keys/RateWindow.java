package dev.tollgate.gateway.keys;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * At most one claim per window: what keeps forged kids from making the gateway hammer the broker with fetches or
 * fill the log with warnings. The first caller after a window has passed claims the next; the others lose without
 * waiting. A clock that steps back opens a new window rather than closing them all. Thread-safe.
 */
final class RateWindow {

    private final Duration length;
    private final AtomicReference<Instant> last = new AtomicReference<>();

    RateWindow(Duration length) {
        this.length = length;
    }

    /** Atomically claims a window starting {@code now}; false if one is still open. */
    boolean claim(Instant now) {
        Instant previous = last.get();
        if (previous != null && now.isBefore(previous.plus(length)) && !now.isBefore(previous)) {
            return false;
        }
        return last.compareAndSet(previous, now);
    }
}
