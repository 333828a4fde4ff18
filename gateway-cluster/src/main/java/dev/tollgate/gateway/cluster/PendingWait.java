package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import java.time.Duration;

/**
 * Polling a pending value another request writes in Redis (a stream claim, a payment identifier being charged): pauses
 * of 1 ms doubling to 50 ms, until the pending value's lifetime has passed. One per wait; not thread-safe.
 */
final class PendingWait {

    private final long deadline;
    private long pauseMillis = 1;

    /** Waits at most {@code lifetime}: a pending value lives no longer. */
    PendingWait(Duration lifetime) {
        this.deadline = System.nanoTime() + lifetime.toNanos();
    }

    /**
     * How long a pending value lives: 10 s, or twice {@link LeaseSettings#callTimeout()} if longer, so that a node
     * killed while it writes blocks others no longer, and one alive always settles it in time.
     */
    static Duration lifetime(LeaseSettings settings) {
        Duration call = settings.callTimeout().multipliedBy(2);
        return call.compareTo(Duration.ofSeconds(10)) > 0 ? call : Duration.ofSeconds(10);
    }

    /**
     * Pauses before the next poll.
     *
     * @throws LedgerUnavailableException {@link LedgerUnavailableException#budgetBusy()} naming {@code what} once the
     *     lifetime has passed (503 and Retry-After: nothing was charged), or if interrupted
     */
    void pause(String what) throws LedgerUnavailableException {
        if (System.nanoTime() - deadline > 0) {
            throw LedgerUnavailableException.budgetBusy(what);
        }
        try {
            Thread.sleep(pauseMillis); // another request is writing the value: poll it again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted waiting: " + what, e);
        }
        pauseMillis = Math.min(pauseMillis * 2, 50);
    }
}
