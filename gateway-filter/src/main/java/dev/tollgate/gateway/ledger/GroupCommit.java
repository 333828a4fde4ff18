package dev.tollgate.gateway.ledger;

import java.util.concurrent.locks.ReentrantLock;

/**
 * What a record's writer waits for once its record is published in the {@link Journal}: with
 * {@link SqliteLedger.Durability#POWER_CUT_SAFE}, a group write and {@code fdatasync} covering it
 * ({@link Journal#force}; leader/follower group commit on the {@code durableUpTo} watermark; docs/LEDGER.md,
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
    private final ReentrantLock syncLock = new ReentrantLock();
    private final Object syncDone = new Object();
    /** Group syncs run so far (tests compare it with the records they covered). Written under the sync lock. */
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
     * Returns once slot {@code seq} is on disk. Group commit, leader/follower: a caller whose slot is not yet durable
     * becomes the syncer if no sync is running (it forces every slot reserved so far, after waiting for their
     * writers to publish, then wakes everyone); otherwise it waits for the running sync to end and looks again.
     * Followers must not queue on the sync lock itself: a covered follower would then wait behind the next sync,
     * and the next leader would start before the followers' records were written, so each sync would cover only
     * one or two charges (measured here: 1.5 charges per sync with 8 or 32 callers, against 4 and 16 this way).
     *
     * @throws LedgerUnavailableException by the deadline or on an I/O error; the record may still survive
     */
    void awaitDurable(long seq, long deadlineNanos) throws LedgerUnavailableException {
        while (durableUpTo <= seq) {
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new LedgerUnavailableException("ledger journal was not synced in time; the outcome is unknown");
            }
            if (syncLock.tryLock()) {
                try {
                    syncUpTo(seq, deadlineNanos);
                } finally {
                    syncLock.unlock();
                    synchronized (syncDone) {
                        syncDone.notifyAll();
                    }
                }
            } else {
                synchronized (syncDone) {
                    if (durableUpTo <= seq && syncLock.isLocked()) {
                        try {
                            // Woken by the sync's end; the bound only guards against a missed wake-up.
                            syncDone.wait(10);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new LedgerUnavailableException(
                                    "interrupted waiting for the journal sync; the outcome is unknown");
                        }
                    }
                }
            }
        }
    }

    /** Group syncs run so far. */
    long syncs() {
        return syncs;
    }

    /** Forces every slot reserved so far whose writer has published it (at least up to {@code seq}). */
    private void syncUpTo(long seq, long deadlineNanos) throws LedgerUnavailableException {
        while (durableUpTo <= seq) {
            long from = durableUpTo;
            long high = journal.reserved();
            long upTo = from;
            // Wait for slots reserved before ours (or after) whose writers are still copying; stop at the first
            // one that keeps us waiting beyond our own slot.
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
            journal.force(from, upTo);
            syncs++; // only the lock holder writes it
            durableUpTo = upTo;
        }
    }
}
