package dev.tollgate.gateway.ledger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a record's writer waits for once its record is published in the {@link Journal}: with
 * {@link SqliteLedger.Durability#POWER_CUT_SAFE}, a group write and {@code fdatasync} covering it
 * ({@link Journal#write}, {@link Journal#sync}; group commit with up to {@link JournalSegment#LANES} syncs running
 * at once, on the {@code durableUpTo} watermark; docs/LEDGER.md,
 * "Durability modes and group commit"); in both modes, a record whose slot number is a multiple of the materializer's
 * batch wakes the materializer. Thread-safe.
 */
final class GroupCommit {

    private final Journal journal;
    /** POWER_CUT_SAFE: a charge waits for its record's sync before it returns. */
    private final boolean sync;
    private final long waitTimeoutNanos;
    /** A record whose slot number is a multiple of the batch wakes the materializer. */
    private final long batchMask;
    /** Every slot below it is on disk (POWER_CUT_SAFE), folded into SQLite, or void. */
    private volatile long durableUpTo;
    /**
     * Every slot below it is written to its file by a sync that is running or has ended (or durable). Written under
     * the write lock; moves back to {@code durableUpTo} when a sync fails.
     */
    private volatile long writtenUpTo;
    /** Held for a range's {@code pwrite}: ranges are written one at a time, in order. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Bit {@code i} set: sync lane {@code i} (its own channel per segment) is free. */
    private final AtomicInteger freeLanes = new AtomicInteger((1 << JournalSegment.LANES) - 1);
    /** Notified at a sync's end; guards {@code durableUpTo}'s moves. */
    private final Object syncDone = new Object();
    /** Group syncs run so far (tests compare it with the records they covered). Written under syncDone. */
    private volatile long syncs;

    /**
     * @param sync whether {@link #acknowledge} waits for the record's sync
     * @param waitTimeoutNanos how long {@link #acknowledge} waits for it
     * @param batch records per materializer batch (a power of two): a record at a multiple of it wakes the fold
     */
    GroupCommit(Journal journal, boolean sync, long waitTimeoutNanos, int batch) {
        this.journal = journal;
        this.sync = sync;
        this.waitTimeoutNanos = waitTimeoutNanos;
        this.batchMask = batch - 1;
    }

    /** After recovery: the journal's first slot to hand out; everything below is folded in. */
    void start(long firstSeq) {
        durableUpTo = firstSeq;
        writtenUpTo = firstSeq;
    }

    /** Whether records are made durable by a sync before they count (POWER_CUT_SAFE). */
    boolean sync() {
        return sync;
    }

    /** After a charge's record is published: wakes the materializer for a full batch, waits for durability. */
    void acknowledge(long seq) throws LedgerUnavailableException {
        if ((seq & batchMask) == 0) {
            journal.wakeFold();
        }
        if (sync) {
            awaitDurable(seq, System.nanoTime() + waitTimeoutNanos);
        }
    }

    /**
     * Returns once slot {@code seq} is on disk. Group commit with overlapping syncs: a caller whose slot is not yet
     * durable and not yet written by a running sync takes the write lock (held only for a {@code pwrite}, never for
     * an {@code fdatasync}) and, if a sync lane is free, writes every slot published since the last write and starts
     * its {@code fdatasync} after releasing the lock; so a record published during a sync does not wait for that sync
     * to end before its own starts (Linux runs concurrent {@code fdatasync}s on one file). A caller whose slot a
     * running sync covers waits for that sync. With one sync at a time a charge waited on average for the rest of the
     * running sync and then its own: 1.5 flushes; this way, about one.
     *
     * @throws LedgerUnavailableException by the deadline or on an I/O error; the record may still survive
     */
    void awaitDurable(long seq, long deadlineNanos) throws LedgerUnavailableException {
        while (durableUpTo <= seq) {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new LedgerUnavailableException("ledger journal was not synced in time; the outcome is unknown");
            }
            if (writtenUpTo <= seq && lockToWrite(deadlineNanos)) {
                int lane = -1;
                long from = 0;
                long upTo = 0;
                try {
                    if (writtenUpTo <= seq && durableUpTo <= seq) {
                        lane = takeLane();
                        if (lane >= 0) {
                            from = Math.max(writtenUpTo, durableUpTo);
                            upTo = settledFrom(from, seq, deadlineNanos);
                            journal.write(lane, from, upTo);
                            writtenUpTo = upTo;
                        }
                    }
                } catch (LedgerUnavailableException | RuntimeException e) {
                    freeLane(lane);
                    throw e;
                } finally {
                    writeLock.unlock();
                }
                if (lane >= 0) {
                    sync(lane, from, upTo);
                    continue;
                }
            }
            awaitSyncEnd(seq);
        }
    }

    /** Group syncs run so far. */
    long syncs() {
        return syncs;
    }

    /** Takes the write lock (briefly held) by the deadline; {@code false} if the caller should look again first. */
    private boolean lockToWrite(long deadlineNanos) throws LedgerUnavailableException {
        if (writeLock.tryLock()) {
            return true;
        }
        try {
            return writeLock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted waiting for the journal sync; the outcome is unknown");
        }
    }

    /**
     * Waits until every slot from {@code from} up to the reservation mark is settled, stopping early at a slot beyond
     * {@code seq} that is still being written; returns the end of that settled range.
     */
    private long settledFrom(long from, long seq, long deadlineNanos) throws LedgerUnavailableException {
        long high = journal.reserved();
        long upTo = from;
        while (upTo < high) {
            if (journal.settled(upTo)) {
                upTo++;
            } else if (upTo > seq) {
                break;
            } else if (System.nanoTime() - deadlineNanos > 0) {
                throw new LedgerUnavailableException("journal slot " + upTo + " was not written in time; "
                        + "the outcome is unknown");
            } else {
                Thread.yield();
            }
        }
        return upTo;
    }

    /**
     * Runs the {@code fdatasync} of a written range, outside the write lock. On success every slot below {@code upTo}
     * is durable: the range's own writes completed before it started, and so did those of every range below it (the
     * write lock orders the writes), whose write-back errors this lane's channel would report. On failure the ranges
     * written but not known durable are written again by the next sync: {@code writtenUpTo} goes back to
     * {@code durableUpTo} under the write lock, before the lane is free again.
     */
    private void sync(int lane, long from, long upTo) throws LedgerUnavailableException {
        try {
            journal.sync(lane, from, upTo);
        } catch (LedgerUnavailableException | RuntimeException e) {
            writeLock.lock();
            try {
                writtenUpTo = Math.min(writtenUpTo, durableUpTo);
            } finally {
                writeLock.unlock();
            }
            freeLane(lane);
            synchronized (syncDone) {
                syncDone.notifyAll(); // waiters covered by the failed range write it again
            }
            throw e;
        }
        freeLane(lane);
        synchronized (syncDone) {
            syncs++;
            if (upTo > durableUpTo) {
                durableUpTo = upTo;
            }
            syncDone.notifyAll();
        }
    }

    /** Waits for a sync to end (or a lane to come free); the caller then looks again. */
    private void awaitSyncEnd(long seq) throws LedgerUnavailableException {
        synchronized (syncDone) {
            if (durableUpTo <= seq) {
                try {
                    // Woken by a sync's end; the bound only guards against a missed wake-up.
                    syncDone.wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LedgerUnavailableException(
                            "interrupted waiting for the journal sync; the outcome is unknown");
                }
            }
        }
    }

    /** A free sync lane, taken; -1 if all {@link JournalSegment#LANES} are in use. Called under the write lock. */
    private int takeLane() {
        int free = freeLanes.get();
        if (free == 0) {
            return -1;
        }
        int lane = Integer.numberOfTrailingZeros(free);
        freeLanes.getAndAdd(-(1 << lane)); // only the write lock holder takes; others only set bits
        return lane;
    }

    private void freeLane(int lane) {
        if (lane >= 0) {
            freeLanes.getAndAdd(1 << lane);
        }
    }
}
