package dev.tollgate.gateway.settlement;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * When the settler's thread runs a pass before its interval ends: once {@code settlement.batch-size} charges were
 * made since the last pass began, or a void of an online charge was queued. The request path and {@link OnlineVoids}
 * set it, {@link SettlementSchedule} reads it; it is its own object so that neither of those two needs the other
 * (the schedule runs the pass that sends the voids). Never blocks; thread-safe.
 */
final class SettlementWakeup {

    private final int batchSize;
    private final AtomicLong chargesSincePass = new AtomicLong();
    private final AtomicBoolean wake = new AtomicBoolean();
    private volatile Thread thread;

    SettlementWakeup(int batchSize) {
        this.batchSize = batchSize;
    }

    /** The thread {@link #wake} unparks: the schedule's, once it is started. */
    void wakes(Thread thread) {
        this.thread = thread;
    }

    /** Counts a charge; the one that completes a batch wakes the thread. */
    void charged() {
        if (chargesSincePass.incrementAndGet() == batchSize) {
            wake();
        }
    }

    /** Asks for a pass now (the schedule ignores it while backing off after failures). */
    void wake() {
        wake.set(true);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** A pass begins: charges are counted anew. */
    void passStarted() {
        chargesSincePass.set(0);
    }

    /** Whether a pass was asked for since the last call; clears the request. */
    boolean takeRequest() {
        return wake.getAndSet(false);
    }
}
