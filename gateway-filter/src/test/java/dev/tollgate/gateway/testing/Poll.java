package dev.tollgate.gateway.testing;

import java.time.Duration;

/** Waits for a condition by polling it, never by sleeping for a guessed time. */
public final class Poll {

    /** A condition to poll; may throw, which fails the wait at once. */
    @FunctionalInterface
    public interface Condition {
        boolean met() throws Exception;
    }

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private Poll() {
    }

    /**
     * Returns once {@code condition} is met; fails with {@code what} if it is not within 30 seconds.
     *
     * @param what the condition in words, for the failure: "timed out waiting until ..."
     */
    public static void until(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10); // the polling interval, not a wait for the condition
        }
    }
}
