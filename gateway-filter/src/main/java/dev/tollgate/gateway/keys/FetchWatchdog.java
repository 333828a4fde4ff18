package dev.tollgate.gateway.keys;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Interrupts a fetching thread when the fetch takes longer than its timeout. The JDK's HTTP client bounds the
 * connection and the wait for headers, but not a body that trickles in: only an interrupt unblocks that read. One
 * watchdog guards one fetch; {@link #disarm()} it in a {@code finally}. It runs on a scheduler its owner shuts down,
 * not on the JDK-wide {@code CompletableFuture.delayedExecutor} thread, which would keep a web app's class loader
 * after an undeploy.
 */
final class FetchWatchdog {

    private final Thread thread;
    private boolean done;
    private boolean fired;
    private final ScheduledFuture<?> alarm;

    /**
     * Arms the watchdog for {@code thread} on {@code scheduler}: it fires after {@code timeout} unless disarmed first.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is shut down
     */
    FetchWatchdog(Thread thread, Duration timeout, ScheduledExecutorService scheduler) {
        this.thread = thread;
        this.alarm = scheduler.schedule(this::fire, timeout.toMillis(), TimeUnit.MILLISECONDS);
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
        alarm.cancel(false);
        if (fired) {
            Thread.interrupted();
        }
    }
}
