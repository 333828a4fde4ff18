package dev.tollgate.gateway.cluster;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One node's slice of one scrip's budget, in memory: what Redis said the node holds ({@code ceiling}) and what the
 * node has reserved against it ({@code consumed}, changed only by compare-and-set, so concurrent charges never take
 * it above the ceiling). Thread-safe.
 *
 * <p>The ceiling is always a value Redis answered for the node, so the node never charges more than Redis counts
 * for it. It only rises while the slice is open; closing ({@link #close()}) sets the {@link #CLOSED} bit in
 * {@code consumed} by compare-and-set, atomically with charges, before the release is sent. At most one Redis
 * operation per slice is in flight ({@link #operate}), so answers are applied in the order they were asked.
 */
final class Slice {

    static final long CLOSED = 1L << 62;

    /** What {@link #tryConsume} found. */
    enum Fit { FITS, SHORT, EXPIRED, CLOSED }

    final ScripId scrip;
    final Instant expiresAt;
    /** The budget as presented, until a lease answers the one Redis recorded. */
    volatile long budget;
    /** What the slice's first lease reports consumed: the last slice's final consumption, or keep Redis's. */
    final long startUsed;

    private final AtomicLong consumed;
    private volatile long ceiling;
    private volatile long deadlineNanos;
    private volatile long refillAtNanos;
    private volatile long lowWater;
    private volatile boolean opened;
    volatile boolean fenced;
    volatile boolean contended;
    /** What the last answer said: free in Redis, and held unconsumed by other nodes. */
    volatile long free;
    volatile long elsewhere;

    private final AtomicReference<CompletableFuture<Lease>> inFlight = new AtomicReference<>();
    private final AtomicBoolean releaseStarted = new AtomicBoolean();
    /** Completed once the release has ended, applied or not: only then may a successor slice talk to Redis. */
    final CompletableFuture<Void> released = new CompletableFuture<>();
    /** Refunds that came after the slice closed: the next slice of the scrip reports them (not consumed after all). */
    private final AtomicLong givenBackAfterClose = new AtomicLong();

    /** The consumption and time of the last refill, for the spend rate; written by the operation in flight only. */
    private long consumedAtRefill;
    private long refillNanos;
    /** For the idle sweep; used by the sweeping thread only. */
    long sweptConsumed = -1;
    long unchangedSinceNanos;

    Slice(ScripId scrip, long budget, Instant expiresAt, long startUsed, long nowNanos) {
        this.scrip = scrip;
        this.budget = budget;
        this.expiresAt = expiresAt;
        this.startUsed = startUsed;
        this.consumed = new AtomicLong(Math.max(startUsed, 0));
        this.deadlineNanos = nowNanos;
        this.refillAtNanos = nowNanos;
        this.refillNanos = nowNanos;
        this.consumedAtRefill = Math.max(startUsed, 0);
    }

    /** Reserves {@code amount} if the slice is open, its lease current and its ceiling covers it. No allocation. */
    Fit tryConsume(long amount, long nowNanos) {
        while (true) {
            long c = consumed.get();
            if ((c & CLOSED) != 0) {
                return Fit.CLOSED;
            }
            if (nowNanos - deadlineNanos >= 0) {
                return Fit.EXPIRED;
            }
            if (c + amount > ceiling) {
                return Fit.SHORT;
            }
            if (consumed.compareAndSet(c, c + amount)) {
                return Fit.FITS;
            }
        }
    }

    /** Whether a refill should start in the background: little left, or the lease half gone. */
    boolean wantsRefill(long nowNanos) {
        return inFlight.get() == null
                && (ceiling - consumed.get() < lowWater || nowNanos - refillAtNanos >= 0);
    }

    /** Returns a reservation that did not become a charge. {@code false} if the slice had less reserved. */
    boolean giveBack(long amount) {
        while (true) {
            long c = consumed.get();
            if ((c & CLOSED) != 0) {
                givenBackAfterClose.addAndGet(amount);
                return true;
            }
            if (c < amount) {
                return false;
            }
            if (consumed.compareAndSet(c, c - amount)) {
                return true;
            }
        }
    }

    /** Whether this caller is the one to release the slice: true once. */
    boolean startRelease() {
        return releaseStarted.compareAndSet(false, true);
    }

    /** Stops all charges on the slice; returns what it consumed. Idempotent. */
    long close() {
        while (true) {
            long c = consumed.get();
            if ((c & CLOSED) != 0 || consumed.compareAndSet(c, c | CLOSED)) {
                return c & ~CLOSED;
            }
        }
    }

    boolean closed() {
        return (consumed.get() & CLOSED) != 0;
    }

    /** What the slice has reserved (charged, or in flight): what the node reports. */
    long consumed() {
        return consumed.get() & ~CLOSED;
    }

    /** The closed slice's consumption, less the refunds that came after it closed. */
    long finalUsed() {
        return consumed() - givenBackAfterClose.get();
    }

    /** Whether the slice never learnt what Redis recorded for the node: a release has nothing to say. */
    boolean neverLearnt() {
        return !opened && startUsed == BudgetLeases.KEEP_USED;
    }

    /**
     * What a successor of this closed slice reports first: its final consumption, or, if it never learnt what
     * Redis recorded, "keep that".
     */
    long successorStartUsed() {
        return neverLearnt() ? BudgetLeases.KEEP_USED : finalUsed();
    }

    long ceiling() {
        return ceiling;
    }

    /** Whether the slice has had an answer from Redis. */
    boolean opened() {
        return opened;
    }

    /** The next lease's target: the recent spend over {@code horizonNanos}, within the policy's bounds. */
    long target(long amount, long nowNanos, SlicePolicy policy) {
        long c = consumed();
        long elapsed = nowNanos - refillNanos;
        long rateBased = elapsed <= 0 ? 0 : rate(c - consumedAtRefill, policy.horizon().toNanos(), elapsed);
        long want = contended ? amount
                : Math.max(Math.min(Math.max(rateBased, multiply(amount, policy.chargesAhead())),
                        policy.maxShare(budget)), amount);
        consumedAtRefill = c;
        refillNanos = nowNanos;
        lowWater = want / 2;
        return Math.min(c + want, BudgetLeases.MAX_MICROS);
    }

    /**
     * Runs {@code operation} unless one is in flight, in which case the caller joins that one. What it answers is
     * applied ({@link #apply}) before the operation counts as done.
     */
    CompletableFuture<Lease> operate(Supplier<CompletableFuture<Lease>> operation, long sentNanos, long ttlNanos) {
        while (true) {
            CompletableFuture<Lease> running = inFlight.get();
            if (running != null) {
                return running;
            }
            CompletableFuture<Lease> mine = tryOperate(operation, sentNanos, ttlNanos);
            if (mine != null) {
                return mine;
            }
        }
    }

    /** Runs {@code operation} if none is in flight; {@code null} if one is. */
    CompletableFuture<Lease> tryOperate(Supplier<CompletableFuture<Lease>> operation, long sentNanos,
                                        long ttlNanos) {
        CompletableFuture<Lease> mine = new CompletableFuture<>();
        if (!inFlight.compareAndSet(null, mine)) {
            return null;
        }
        try {
            operation.get().whenComplete((lease, failure) -> {
                try {
                    if (lease != null) {
                        apply(lease, sentNanos, ttlNanos);
                    }
                } finally {
                    inFlight.compareAndSet(mine, null);
                    if (failure != null) {
                        mine.completeExceptionally(failure);
                    } else {
                        mine.complete(lease);
                    }
                }
            });
        } catch (RuntimeException e) {
            inFlight.compareAndSet(mine, null);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    /** Forgets an operation that never answered (its caller timed out), so the next one can run. */
    void abandon(CompletableFuture<Lease> operation) {
        inFlight.compareAndSet(operation, null);
    }

    /** The operation in flight, if any. */
    CompletableFuture<Lease> inFlight() {
        return inFlight.get();
    }

    private void apply(Lease lease, long sentNanos, long ttlNanos) {
        switch (lease.status()) {
            case FENCED -> {
                fenced = true;
                close();
            }
            case OK -> {
                budget = lease.budgetMicros();
                free = lease.freeMicros();
                elsewhere = lease.elsewhereMicros();
                contended = lease.contended();
                if (!opened && startUsed == BudgetLeases.KEEP_USED) {
                    // Nothing is reserved before the first answer, so consumed is 0 unless the slice closed.
                    if (!consumed.compareAndSet(0, lease.usedMicros())) {
                        return;
                    }
                    consumedAtRefill = lease.usedMicros();
                }
                if (!closed()) {
                    ceiling = Math.max(ceiling, lease.heldMicros());
                    // The node's clock from when the lease was sent: ends before Redis's expiry.
                    deadlineNanos = sentNanos + ttlNanos / 5 * 4;
                    refillAtNanos = sentNanos + ttlNanos / 2;
                    opened = true;
                }
            }
            default -> {
                // STALE, GONE, LIVE: nothing applied; the slice keeps what it had.
            }
        }
    }

    /**
     * {@code spent × horizonNanos / elapsedNanos} in whole micro-units (money never passes through a double), at most
     * {@link BudgetLeases#MAX_MICROS}: a product past 63 bits is past that bound anyway.
     */
    static long rate(long spent, long horizonNanos, long elapsedNanos) {
        if (spent <= 0) {
            return 0;
        }
        if (Math.multiplyHigh(spent, horizonNanos) != 0 || spent * horizonNanos < 0) {
            return BudgetLeases.MAX_MICROS;
        }
        return Math.min(spent * horizonNanos / elapsedNanos, BudgetLeases.MAX_MICROS);
    }

    private static long multiply(long amount, int times) {
        return amount > BudgetLeases.MAX_MICROS / times ? BudgetLeases.MAX_MICROS : amount * times;
    }
}
