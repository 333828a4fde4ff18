package dev.tollgate.gateway.settlement;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long the oldest charge still unsettled at one broker has waited, as this node sees it, without reading the
 * ledger: the time of the first charge made (or, after a start, of the first pass that found claims waiting) since a
 * settlement pass last found nothing to claim, or since the start of the last pass that settled all it claimed (its
 * batch not full), whichever is later. A charge on the request path costs a volatile read once the backlog
 * has an age. Charges the broker refused for good, and charges still held (refundable), are not waiting: a pass that
 * finds only those resets the age. Thread-safe.
 */
final class BacklogAge {

    private static final long NONE = Long.MIN_VALUE;

    private final Clock clock;
    /** Clock millis since when something waits, or {@link #NONE}. */
    private final AtomicLong since = new AtomicLong(NONE);

    BacklogAge(Clock clock) {
        this.clock = clock;
    }

    /** A charge was made: the backlog has waited since now unless it waited already. */
    void charged() {
        if (since.get() == NONE) {
            since.compareAndSet(NONE, clock.millis());
        }
    }

    /** A pass found claims waiting. */
    void waiting() {
        charged();
    }

    /**
     * A pass that began at {@code beganMillis} settled every claim waiting then: nothing has waited since before.
     */
    void settledUpTo(long beganMillis) {
        since.getAndUpdate(s -> s == NONE ? NONE : Math.max(s, beganMillis));
    }

    /** A pass found nothing to claim. */
    void empty() {
        since.set(NONE);
    }

    /** How long the oldest unsettled charge has waited; empty if nothing waits. */
    Optional<Duration> age() {
        long s = since.get();
        return s == NONE ? Optional.empty() : Optional.of(Duration.ofMillis(Math.max(0, clock.millis() - s)));
    }
}
