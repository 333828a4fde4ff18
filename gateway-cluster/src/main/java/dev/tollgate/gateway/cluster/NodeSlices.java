package dev.tollgate.gateway.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's slices of scrip budgets (docs/CLUSTER.md): a charge reserves from the node's slice in memory, with a
 * compare-and-set and no Redis round trip, and Redis is asked only to refill (in the background when the slice
 * runs low, or while the charge waits when it does not fit), to renew, and to hand back. Bounded: slices on at most
 * {@link SlicePolicy#capacity()} scrip, each with at most one Redis operation in flight. Thread-safe.
 *
 * <p>The caller records each reservation durably (the node's journal) or gives it back ({@link #giveBack}). Before
 * the first reservation after a restart it calls {@link #recover} with what its journal holds.
 */
public final class NodeSlices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeSlices.class);

    private final BudgetLeases leases;
    private final SlicePolicy policy;
    private final long ttlNanos;
    private final long callTimeoutMillis;
    private final ConcurrentHashMap<ScripId, Slice> slices = new ConcurrentHashMap<>();

    public NodeSlices(BudgetLeases leases, SlicePolicy policy) {
        this.leases = Objects.requireNonNull(leases, "leases cannot be null.");
        this.policy = Objects.requireNonNull(policy, "policy cannot be null.");
        this.ttlNanos = leases.settings().ttl().toNanos();
        this.callTimeoutMillis = leases.settings().callTimeout().toMillis();
    }

    /**
     * Reserves {@code amountMicros} of the scrip's budget for a charge on this node. Usually a compare-and-set in
     * memory; waits for Redis only when the node's slice does not cover the amount or its lease ran out.
     *
     * @throws LeaseUnavailableException if Redis is needed and cannot be reached in time, or the node holds slices
     *     on {@link SlicePolicy#capacity()} scrip already: the caller fails closed
     */
    public Reservation reserve(ScripId scrip, long budgetMicros, Instant expiresAt, long amountMicros)
            throws LeaseUnavailableException {
        if (amountMicros < 0 || amountMicros > BudgetLeases.MAX_MICROS) {
            throw new IllegalArgumentException("amount must be between 0 and 2^53 - 1 micro-units: " + amountMicros);
        }
        Slice slice = slices.get(scrip);
        if (slice != null) {
            long now = System.nanoTime();
            if (slice.tryConsume(amountMicros, now) == Slice.Fit.FITS) {
                if (slice.wantsRefill(now)) {
                    refill(slice, amountMicros, now);
                }
                return Reservation.RESERVED;
            }
        }
        return reserveWithRedis(scrip, budgetMicros, expiresAt, amountMicros);
    }

    private Reservation reserveWithRedis(ScripId scrip, long budgetMicros, Instant expiresAt, long amountMicros)
            throws LeaseUnavailableException {
        Lease last = null;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(callTimeoutMillis);
        while (System.nanoTime() - deadline < 0) {
            Slice slice = sliceFor(scrip, budgetMicros, expiresAt);
            if (slice.fenced) {
                return new Reservation(Reservation.Outcome.INSUFFICIENT, 0, 0);
            }
            long now = System.nanoTime();
            Slice.Fit fit = slice.tryConsume(amountMicros, now);
            if (fit == Slice.Fit.FITS) {
                return Reservation.RESERVED;
            }
            if (fit == Slice.Fit.CLOSED) {
                continue; // released meanwhile: the next attempt opens a new slice
            }
            Lease answer = await(slice, refill(slice, amountMicros, now), "lease");
            if (answer == null || slice.closed() && !slice.fenced) {
                continue;
            }
            last = answer;
            if (slice.fenced) {
                return new Reservation(Reservation.Outcome.INSUFFICIENT, 0, 0);
            }
            if (slice.tryConsume(amountMicros, System.nanoTime()) == Slice.Fit.FITS) {
                return Reservation.RESERVED;
            }
            long left = Math.max(0, slice.ceiling() - slice.consumed());
            if (last.status() == Lease.Status.OK && left + last.freeMicros() < amountMicros) {
                long reachable = left + last.freeMicros();
                return reachable + last.elsewhereMicros() >= amountMicros
                        ? new Reservation(Reservation.Outcome.BUSY, reachable, last.elsewhereMicros())
                        : new Reservation(Reservation.Outcome.INSUFFICIENT, reachable, last.elsewhereMicros());
            }
            // The refill joined asked for less than this charge needs, or other charges here took what it
            // granted, or the slice closed: ask again.
        }
        throw new LeaseUnavailableException("could not lease " + amountMicros + " micro-units of scrip "
                + scrip.jti() + " within " + callTimeoutMillis + " ms"
                + (last == null ? "" : " (last answer: " + last.status() + ")"));
    }

    /**
     * The scrip's open slice: a new one if there is none, or the last one was closed. A successor waits until its
     * predecessor's release has ended, so its operations come after that release in Redis, and starts from what the
     * predecessor consumed, so nothing reserved is forgotten while that release is unconfirmed.
     */
    private Slice sliceFor(ScripId scrip, long budgetMicros, Instant expiresAt) throws LeaseUnavailableException {
        Slice slice = slices.get(scrip);
        if (slice != null && (!slice.closed() || slice.fenced)) {
            return slice;
        }
        if (slice == null && slices.size() >= policy.capacity()) {
            throw new LeaseUnavailableException("this node holds slices of " + slices.size()
                    + " scrip, its bound: idle slices are handed back, try again");
        }
        if (slice != null) {
            awaitReleased(slice);
        }
        long startUsed = slice == null ? BudgetLeases.KEEP_USED : slice.successorStartUsed();
        Slice fresh = new Slice(scrip, budgetMicros, expiresAt, startUsed, System.nanoTime());
        if (slice == null ? slices.putIfAbsent(scrip, fresh) == null : slices.replace(scrip, slice, fresh)) {
            return fresh;
        }
        Slice other = slices.get(scrip); // another thread opened one first, or the release removed it
        return other != null ? other : sliceFor(scrip, budgetMicros, expiresAt);
    }

    private void awaitReleased(Slice slice) throws LeaseUnavailableException {
        try {
            slice.released.get(2 * callTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new LeaseUnavailableException("the release of scrip " + slice.scrip.jti() + " has not ended within "
                    + 2 * callTimeoutMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseUnavailableException("interrupted waiting for the release of scrip " + slice.scrip.jti(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never completed exceptionally
        }
    }

    /** Starts a lease on the slice, or joins the one in flight. */
    private CompletableFuture<Lease> refill(Slice slice, long amountMicros, long nowNanos) {
        if (slice.closed()) {
            return CompletableFuture.completedFuture(null); // being released: the caller opens a successor
        }
        return slice.operate(() -> {
            boolean first = !slice.opened();
            long used = first ? slice.startUsed : slice.consumed();
            long believed = first ? Math.max(slice.startUsed, 0) : slice.ceiling();
            long target = slice.target(amountMicros, nowNanos, policy);
            return leases.leaseAsync(slice.scrip, slice.budget, slice.expiresAt, used, believed, target);
        }, nowNanos, ttlNanos);
    }

    /** Returns a reservation that did not become a charge (refused, failed, or refunded). */
    public boolean giveBack(ScripId scrip, long amountMicros) {
        Slice slice = slices.get(scrip);
        if (slice == null || !slice.giveBack(amountMicros)) {
            LOG.debug("{} micro-units of scrip {} stay counted as consumed: its slice was handed back",
                    amountMicros, scrip.jti());
            return false;
        }
        return true;
    }

    /**
     * Hands back the scrip's slice: no more charges on it, then its final consumption to Redis, and what it held
     * beyond returns to the free budget. If Redis cannot be reached, the slice stays closed here and the next
     * charge or sweep tries again.
     *
     * @return what was handed back, 0 if the node held no slice of the scrip
     */
    public long release(ScripId scrip) throws LeaseUnavailableException {
        Slice slice = slices.get(scrip);
        return slice == null ? 0 : release(slice);
    }

    private long release(Slice slice) throws LeaseUnavailableException {
        if (!slice.startRelease()) {
            awaitReleased(slice);
            return 0;
        }
        try {
            return releaseOnce(slice);
        } catch (LeaseUnavailableException | RuntimeException e) {
            // Not confirmed: a successor that has never leased takes its place, and the next sweep releases it.
            slices.replace(slice.scrip, slice,
                    new Slice(slice.scrip, slice.budget, slice.expiresAt, slice.successorStartUsed(),
                            System.nanoTime()));
            throw e;
        } finally {
            slice.released.complete(null);
        }
    }

    private long releaseOnce(Slice slice) throws LeaseUnavailableException {
        slice.close();
        if (slice.neverLearnt()) {
            slices.remove(slice.scrip, slice);
            return 0; // what Redis holds for the node stays for its next slice, which starts from Redis's record
        }
        CompletableFuture<Lease> release;
        // A lease in flight is answered and applied first; its sequence number orders it before the release.
        while ((release = slice.tryOperate(() -> leases.releaseAsync(slice.scrip, slice.finalUsed(),
                Math.max(slice.ceiling(), Math.max(slice.startUsed, slice.finalUsed()))),
                System.nanoTime(), ttlNanos)) == null) {
            CompletableFuture<Lease> running = slice.inFlight();
            if (running != null) {
                try {
                    await(slice, running, "lease");
                } catch (LeaseUnavailableException e) {
                    // abandoned: a late answer is refused in Redis as stale
                }
            }
        }
        Lease lease = await(slice, release, "release");
        if (lease.status() == Lease.Status.STALE) {
            throw new LeaseUnavailableException("Redis refused the release of scrip " + slice.scrip.jti()
                    + " as stale");
        }
        slices.remove(slice.scrip, slice);
        return lease.status() == Lease.Status.OK ? lease.movedMicros() : 0;
    }

    /**
     * Hands back the slices no charge drew on since the last sweep at least {@code idle} ago, and retries the
     * releases that failed. Call it every second or so.
     *
     * @return how many slices were handed back
     */
    public int releaseIdle(Duration idle) {
        long now = System.nanoTime();
        int released = 0;
        for (Slice slice : slices.values()) {
            long consumed = slice.consumed();
            if (consumed != slice.sweptConsumed) {
                slice.sweptConsumed = consumed;
                slice.unchangedSinceNanos = now;
            }
            if (slice.closed() || now - slice.unchangedSinceNanos >= idle.toNanos()) {
                try {
                    release(slice);
                    released++;
                } catch (LeaseUnavailableException e) {
                    LOG.warn("could not hand back the slice of scrip {}: {}", slice.scrip.jti(), e.getMessage());
                }
            }
        }
        return released;
    }

    /**
     * After a restart, before any reservation: releases every scrip the node's earlier run leased, with what the
     * node's journal says it consumed on each. What those leases held beyond returns to the free budget.
     *
     * @return what was handed back in all
     */
    public long recover(ToLongFunction<ScripId> journalConsumed) throws LeaseUnavailableException {
        long returned = 0;
        for (ScripId scrip : leases.leasedScrip()) {
            long used = journalConsumed.applyAsLong(scrip);
            Lease lease = leases.release(scrip, used, used);
            if (lease.status() == Lease.Status.OK) {
                returned += lease.movedMicros();
            } else if (lease.status() == Lease.Status.STALE) {
                throw new LeaseUnavailableException("Redis refused the release of scrip " + scrip.jti()
                        + " as stale");
            }
        }
        return returned;
    }

    /**
     * What this node could charge on the scrip now without waiting for other nodes: what its slice has left plus the
     * free budget, as Redis last answered; -1 if it holds no open slice of the scrip that Redis has answered. Reads
     * memory only.
     */
    public long reachable(ScripId scrip) {
        Slice slice = slices.get(scrip);
        if (slice == null || !slice.opened() || slice.closed()) {
            return -1;
        }
        return Math.max(0, slice.ceiling() - slice.consumed()) + slice.free;
    }

    /** How many scrip this node holds slices on. */
    public int size() {
        return slices.size();
    }

    /** Hands back every slice (shutdown); those Redis cannot take now stay leased until the next start recovers. */
    @Override
    public void close() {
        for (Slice slice : slices.values()) {
            try {
                release(slice);
            } catch (LeaseUnavailableException e) {
                LOG.warn("could not hand back the slice of scrip {} at close: {}", slice.scrip.jti(), e.getMessage());
            }
        }
    }

    private Lease await(Slice slice, CompletableFuture<Lease> operation, String what)
            throws LeaseUnavailableException {
        String subject = what + " of scrip " + slice.scrip.jti();
        try {
            return operation.get(callTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            slice.abandon(operation);
            throw new LeaseUnavailableException("Redis did not answer the " + subject + " within "
                    + callTimeoutMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseUnavailableException("interrupted waiting for the " + subject, e);
        } catch (ExecutionException e) {
            throw BudgetLeases.unavailable(subject, e.getCause());
        }
    }
}
