package dev.tollgate.gateway.cluster;

import java.util.concurrent.TimeUnit;

/** Waits for a condition by polling it with a deadline, never by sleeping for a guessed time. */
final class Poll {

    /** A condition to poll; may throw, which fails the wait at once. */
    @FunctionalInterface
    interface Condition {
        boolean met() throws Exception;
    }

    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private Poll() {
    }

    /** Returns once {@code condition} is met; fails with {@code what} if it is not within 30 seconds. */
    static void until(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (!condition.met()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10); // the polling interval, not a wait for the condition
        }
    }
}
