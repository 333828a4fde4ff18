package dev.tollgate.gateway.ledger;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One request to the writer thread, and the latch its caller parks on. The caller enqueues it and waits; the writer
 * claims it, decides it, and completes it only after the batch's COMMIT returned (or failed).
 *
 * <p>A caller that gives up waiting cancels the operation if the writer has not claimed it yet, so an abandoned
 * operation is never applied; once claimed, its outcome is whatever the batch decides.
 */
abstract class LedgerOp {

    private static final int PENDING = 0;
    private static final int CLAIMED = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(LedgerOp.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the caller gets when the writer could not be sure of the outcome. */
    record Failure(String message, Throwable cause, boolean illegalArgument) {
    }

    private final Thread waiter = Thread.currentThread();
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    private volatile Object outcome;
    /** Decided in the batch, handed to the caller after COMMIT. Writer thread only. */
    Object decided;

    /** Writer: takes ownership; {@code false} if the caller already gave up. */
    final boolean claim() {
        return STATE.compareAndSet(this, PENDING, CLAIMED);
    }

    /** Caller: withdraws an operation the writer has not claimed. */
    final boolean cancel() {
        return STATE.compareAndSet(this, PENDING, CANCELLED);
    }

    final void complete(Object result) {
        outcome = result;
        LockSupport.unpark(waiter);
    }

    /**
     * Parks until completed or until {@code deadlineNanos} ({@link System#nanoTime()}); interrupts do not shorten the
     * wait (the outcome would be unknown) but are preserved.
     *
     * @return the outcome, or {@code null} on timeout
     */
    final Object await(long deadlineNanos) {
        boolean interrupted = false;
        try {
            Object result;
            while ((result = outcome) == null) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            return result;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Charge extends LedgerOp {
        final ScripAccount scrip;
        final long amount;
        final String resource;

        Charge(ScripAccount scrip, long amount, String resource) {
            this.scrip = scrip;
            this.amount = amount;
            this.resource = resource;
        }
    }

    static final class Refund extends LedgerOp {
        final String receiptId;

        Refund(String receiptId) {
            this.receiptId = receiptId;
        }
    }

    static final class Remaining extends LedgerOp {
        final ScripAccount scrip;

        Remaining(ScripAccount scrip) {
            this.scrip = scrip;
        }
    }

    static final class MarkSettled extends LedgerOp {
        final ScripState.Key key;
        final long settled;

        MarkSettled(ScripState.Key key, long settled) {
            this.key = key;
            this.settled = settled;
        }
    }

    static final class Unsettled extends LedgerOp {
        final int limit;
        List<ScripTotal> rows;

        Unsettled(int limit) {
            this.limit = limit;
        }
    }

    /** Wakes an idle writer on close; never claimed. */
    static final class Stop extends LedgerOp {
    }
}
