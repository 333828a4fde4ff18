package dev.tollgate.gateway.settlement;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When settlement passes run: a daemon thread that runs one every {@code settlement.interval}, sooner when
 * {@link SettlementWakeup} asks (unless backing off), and after failures only once the {@link SettlementBackoff}'s
 * wait has passed; full batches are followed at once by the next. At close, the final batches until a deadline. One
 * pass at a time, under the pass lock, whoever runs it; its outcome is what the backoff counts.
 */
final class SettlementSchedule {

    /** Logged as the settler's: the logs read as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);

    private final SettlementPass pass;
    private final SettlementBackoff backoff;
    private final SettlementWakeup wakeup;
    private final Duration interval;
    private final Duration requestTimeout;
    private final ReentrantLock passLock = new ReentrantLock();
    private volatile boolean stopped;
    private volatile Thread thread;
    /** When the thread ends by itself: set by {@link #finishWhen}, taken back with {@code null}. */
    private Finish finish;
    private boolean finished;

    /** A condition the thread ends on, checked after a pass that did not fail, from {@code notBefore}. */
    private record Finish(long notBefore, Check done, Runnable then) {
    }

    /** Whether the work is done, read from the ledger. */
    interface Check {
        boolean done() throws dev.tollgate.gateway.ledger.LedgerUnavailableException;
    }

    /**
     * @param interval the most time between two passes while nothing fails
     * @param requestTimeout how long one batch may take
     */
    SettlementSchedule(SettlementPass pass, SettlementBackoff backoff, SettlementWakeup wakeup, Duration interval,
                       Duration requestTimeout) {
        this.pass = Objects.requireNonNull(pass);
        this.backoff = Objects.requireNonNull(backoff);
        this.wakeup = Objects.requireNonNull(wakeup);
        this.interval = Objects.requireNonNull(interval);
        this.requestTimeout = Objects.requireNonNull(requestTimeout);
    }

    /** Starts the thread {@code name}. */
    void start(String name) {
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        thread = t;
        wakeup.wakes(t);
        t.start();
    }

    private void run() {
        while (!stopped) {
            int failures = backoff.failures();
            long until = System.nanoTime() + (failures > 0 ? backoff.backoffNanos(failures) : interval.toNanos());
            while (!stopped) {
                if (backoff.failures() == 0 && wakeup.takeRequest()) {
                    break;
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, left);
            }
            Settler.Outcome outcome = Settler.Outcome.FULL;
            while (!stopped && outcome == Settler.Outcome.FULL) {
                outcome = settleOnce(requestTimeout);
            }
            if (outcome != Settler.Outcome.FAILED && finished()) {
                return;
            }
        }
    }

    /**
     * Has the thread end by itself once {@code done} holds after a pass that did not fail, no sooner than
     * {@code notBefore} ({@link System#nanoTime}), and then run {@code then} on it; {@code done} null takes that back.
     *
     * @return false if the thread has already ended that way
     */
    synchronized boolean finishWhen(long notBefore, Check done, Runnable then) {
        finish = done == null ? null : new Finish(notBefore, done, then);
        return !finished;
    }

    /** Whether the thread ends now: if so, marks it finished and runs the finish's {@code then}. */
    private boolean finished() {
        Finish f;
        synchronized (this) {
            f = finish;
            if (f == null || System.nanoTime() - f.notBefore < 0) {
                return false;
            }
            try {
                if (!f.done.done()) {
                    return false;
                }
            } catch (dev.tollgate.gateway.ledger.LedgerUnavailableException e) {
                LOG.warn("Could not read whether settlement is done ({}); trying again after the next pass",
                        e.getMessage());
                return false;
            }
            finished = true;
            stopped = true;
        }
        f.then.run();
        return true;
    }

    /** Sends one batch now, if anything waits, each request taking at most {@code timeout}. */
    Settler.Outcome settleOnce(Duration timeout) {
        passLock.lock();
        try {
            wakeup.passStarted();
            Settler.Outcome outcome = pass.run(timeout);
            if (outcome != Settler.Outcome.IDLE) {
                backoff.succeed();
            }
            return outcome;
        } catch (SettlementFailure e) {
            return fail(e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("Settlement failed unexpectedly", e);
            return fail("unexpected error: " + e);
        } finally {
            passLock.unlock();
        }
    }

    private Settler.Outcome fail(String error) {
        backoff.fail(error);
        return Settler.Outcome.FAILED;
    }

    /**
     * Stops the thread, then sends what waits in batches until {@code deadline} has passed: charges not redeemed by
     * then are redeemed after the next start.
     */
    void stop(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        stopped = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(Math.max(1, deadline.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                LOG.warn("A settlement batch was still under way at shutdown; what it did not settle is redeemed "
                        + "after the next start");
                return;
            }
        }
        Settler.Outcome outcome = Settler.Outcome.FULL;
        while (outcome == Settler.Outcome.FULL) {
            long left = end - System.nanoTime();
            if (left < TimeUnit.MILLISECONDS.toNanos(100)) {
                LOG.info("Stopped settling; charges still unsettled are redeemed after the next start");
                return;
            }
            outcome = settleOnce(Duration.ofNanos(Math.min(left, requestTimeout.toNanos())));
        }
        if (outcome == Settler.Outcome.FAILED) {
            LOG.warn("The final settlement batch failed ({}); unsettled charges are redeemed after the next start",
                    backoff.lastError().orElse(null));
        }
    }
}
