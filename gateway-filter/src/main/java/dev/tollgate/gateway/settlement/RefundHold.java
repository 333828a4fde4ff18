package dev.tollgate.gateway.settlement;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request's charge that may still be refunded, held back from settlement claims until it is final or refunded
 * ({@link RefundHolds}). Made before the charge, so the settler can never read the charge without it.
 *
 * <p>Its states, changed only by compare-and-set, so that a refund and the charge becoming final never both happen:
 * <pre>
 * HELD --startRefund--> REFUNDING --refundDone--> REFUNDED   (the refund was recorded, or failed to be)
 * HELD --end, or delivering / past the deadline at a settlement pass--> FINAL
 * </pre>
 * A hold is counted against its account's claim while it is {@code HELD}, {@code REFUNDING} or {@code REFUNDED}
 * (the last until the settler can no longer have read the ledger before the refund). Thread-safe.
 *
 * @since 0.3
 */
public final class RefundHold {

    /**
     * What a hold needs to know of its response: whether paid content is on its way, i.e. the response is committed
     * with a status below 400. From then on the gateway never refunds the charge, so the hold may end. Called from
     * the settler's thread; must not block, and must answer {@code false} when it cannot tell.
     */
    public interface Delivery {
        boolean delivering();
    }

    /** Outcome of {@link #startRefund}. */
    public enum Refund {
        /** The caller refunds now and then calls {@link #refundDone}. */
        GO,
        /**
         * The charge is final: the refund window passed (or paid content was on its way, though then the gateway
         * does not ask). Nothing may be refunded.
         */
        FINAL,
        /** Another refund of this charge is under way or done. */
        ALREADY
    }

    static final int HELD = 0;
    static final int REFUNDING = 1;
    static final int REFUNDED = 2;
    static final int FINAL = 3;
    private static final long UNARMED = 0;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(RefundHold.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final RefundHolds holds;
    /** Spreads holds over the registry's bins without the cost of an identity hash code. */
    private final int hash = ThreadLocalRandom.current().nextInt();
    final boolean chain;
    final String issuer;
    final String account;
    final long amountMicros;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;
    /**
     * Epoch millis after which the charge is final; {@link #UNARMED} until the request is forwarded (the default
     * value, so making a hold costs no volatile write).
     */
    private volatile long deadlineMillis;
    /** Written before {@link #deadlineMillis}, which publishes it. */
    private Delivery delivery;
    /** The charge was sent to the broker to be confirmed online: the broker may count it before any claim does. */
    private volatile boolean atBroker;

    RefundHold(RefundHolds holds, boolean chain, String issuer, String account, long amountMicros) {
        this.holds = holds;
        this.chain = chain;
        this.issuer = issuer;
        this.account = account;
        this.amountMicros = amountMicros;
    }

    /**
     * The charge is about to be sent to the broker for an online confirmation (before the request is sent, so that a
     * settlement pass that sees the broker count it sees this too): its refund would void it there.
     */
    public void sentToBroker() {
        atBroker = true;
    }

    boolean atBroker() {
        return atBroker;
    }

    /** Whether the charge is on a PayWord chain rather than on scrip. */
    public boolean chain() {
        return chain;
    }

    /** The charged account: the scrip's jti, or the chain's commitment id. */
    public String account() {
        return account;
    }

    /**
     * The charged request is handed to the app now: the refund window starts, and the charge becomes final once
     * {@code delivery} says paid content is on its way.
     */
    public void forwarding(Delivery delivery) {
        this.delivery = delivery;
        deadlineMillis = holds.deadlineFromNow();
    }

    /**
     * Claims the right to refund the charge: {@link Refund#GO} at most once, and never once the charge is final.
     * The refund window is checked here too, so a failure after it is not refunded even if no settlement pass has
     * looked at this hold since.
     */
    public Refund startRefund() {
        long deadline = deadlineMillis;
        if (deadline != UNARMED && holds.now() >= deadline) {
            STATE.compareAndSet(this, HELD, FINAL);
        }
        if (STATE.compareAndSet(this, HELD, REFUNDING)) {
            return Refund.GO;
        }
        if ((int) STATE.getVolatile(this) == FINAL) {
            holds.remove(this);
            return Refund.FINAL;
        }
        return Refund.ALREADY;
    }

    /**
     * After {@link Refund#GO}: the refund is recorded in the ledger (or failed to be; then the charge stands). Call it
     * after the ledger call has returned or thrown, never before.
     */
    public void refundDone() {
        if (STATE.compareAndSet(this, REFUNDING, REFUNDED)) {
            holds.refunded(this);
        }
    }

    /** The request is over: its charge is final unless it was refunded. Idempotent; never blocks. */
    public void end() {
        if (STATE.compareAndSet(this, HELD, FINAL) || (int) STATE.getVolatile(this) == FINAL) {
            holds.remove(this);
        }
    }

    /** Settler side: makes the charge final if its content is on its way or its window has passed. */
    boolean finalizeIfDue(long now) {
        if ((int) STATE.getVolatile(this) != HELD) {
            return false;
        }
        long deadline = deadlineMillis;
        if (deadline == UNARMED) {
            return false;
        }
        boolean due = now >= deadline;
        if (!due) {
            Delivery d = delivery; // read after the volatile deadline: published by it
            due = d != null && delivering(d);
        }
        return due && STATE.compareAndSet(this, HELD, FINAL);
    }

    private static boolean delivering(Delivery delivery) {
        try {
            return delivery.delivering();
        } catch (RuntimeException e) {
            return false; // a container object that cannot answer (recycled): not known to deliver
        }
    }

    int state() {
        return (int) STATE.getVolatile(this);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o == this;
    }

    @Override
    public String toString() {
        return "RefundHold[" + (chain ? "chain " : "scrip ") + account + ", " + amountMicros + ", state " + state()
                + "]";
    }
}
