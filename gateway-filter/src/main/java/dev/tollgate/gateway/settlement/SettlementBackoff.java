package dev.tollgate.gateway.settlement;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How settlement fares: the failures in a row, the last error and the last success, and the wait after failures
 * (exponential, full jitter, up to {@code settlement.max-backoff}). An outage is logged once, and its end once.
 * {@link #fail} and {@link #succeed} are called under the settler's pass lock; the rest is read from any thread.
 */
final class SettlementBackoff {

    /** Logged as the settler's: the logs read as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);

    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private volatile Instant lastSuccess;
    private volatile String lastError;
    private volatile int failures;

    /** {@code firstBackoff}: the first wait after a failure (doubles each failure); {@code maxBackoff}: the longest. */
    SettlementBackoff(Duration firstBackoff, Duration maxBackoff, Clock clock) {
        this.firstBackoff = Objects.requireNonNull(firstBackoff);
        this.maxBackoff = Objects.requireNonNull(maxBackoff);
        this.clock = Objects.requireNonNull(clock);
    }

    /** A random wait in {@code [0, min(maxBackoff, firstBackoff * 2^(failures-1))]} ("full jitter"). */
    long backoffNanos(int failures) {
        long first = firstBackoff.toNanos();
        long cap = maxBackoff.toNanos();
        int doublings = Math.min(Math.max(failures - 1, 0), 40);
        long ceiling = first > (cap >> doublings) ? cap : first << doublings;
        return ThreadLocalRandom.current().nextLong(Math.max(ceiling, 1) + 1);
    }

    /** Records a failed pass. */
    void fail(String error) {
        lastError = error;
        int count = ++failures;
        if (count == 1) {
            LOG.warn("Settlement failed: {}; retrying with backoff up to {} (logged once until it succeeds again)",
                    error, maxBackoff);
        } else {
            LOG.debug("Settlement failed again ({} in a row): {}", count, error);
        }
    }

    /** Records a batch the broker answered. */
    void succeed() {
        if (failures > 0) {
            LOG.info("Settlement works again after {} failed attempts", failures);
        }
        failures = 0;
        lastError = null;
        lastSuccess = clock.instant();
    }

    /** Failed passes since the last success. */
    int failures() {
        return failures;
    }

    Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccess);
    }
}
