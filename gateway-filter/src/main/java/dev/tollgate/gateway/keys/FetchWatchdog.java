package dev.tollgate.gateway.keys;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a fetching thread when the fetch takes longer than its timeout. The JDK's HTTP client bounds the
 * connection and the wait for headers, but not a body that trickles in: only an interrupt unblocks that read. One
 * watchdog guards one fetch; {@link #disarm()} it in a {@code finally}.
 */
final class FetchWatchdog {

    private final Thread thread;
    private boolean done;
    private boolean fired;

    /** Arms the watchdog for the current {@code thread}: it fires after {@code timeout} unless disarmed first. */
    FetchWatchdog(Thread thread, Duration timeout) {
        this.thread = thread;
        CompletableFuture.runAsync(this::fire,
                CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS, Runnable::run));
    }

    private synchronized void fire() {
        if (!done) {
            fired = true;
            thread.interrupt();
        }
    }

    /** Whether the timeout passed and the thread was interrupted: the fetch failed by taking too long. */
    synchronized boolean fired() {
        return fired;
    }

    /** Ends the watch; clears an interrupt it left pending, so the next task on the thread is not hit. */
    void disarm() {
        synchronized (this) {
            done = true;
        }
        if (fired) {
            Thread.interrupted();
        }
    }
}
