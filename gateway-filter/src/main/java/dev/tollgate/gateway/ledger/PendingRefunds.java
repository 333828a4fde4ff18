package dev.tollgate.gateway.ledger;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The refunds lock and the charges whose REFUND record is appended but not yet folded into SQLite. Refunds hold the
 * lock (they are rare and serialized); lookups skip charges whose refund waits here; eviction runs only while no
 * refund is in progress or waits here; the materializer takes a charge out when it folds its REFUND in. Thread-safe.
 */
final class PendingRefunds {

    final ReentrantLock lock = new ReentrantLock();
    /** Charges whose REFUND record is appended but not yet folded into SQLite. */
    private final Set<Long> inJournal = ConcurrentHashMap.newKeySet();

    /** Whether a REFUND of the charge {@code seq} is in the journal, not folded in yet. */
    boolean inJournal(long seq) {
        return inJournal.contains(seq);
    }

    /**
     * Before the REFUND record of {@code seq} is appended: the materializer removes the seq when it folds the record
     * in, which may happen as soon as the append publishes it. Added after, it would stay forever and block eviction.
     * Refunds lock held.
     */
    void appending(long seq) {
        inJournal.add(seq);
    }

    /** The REFUND record of {@code seq} was not written: none will ever be folded in. Refunds lock held. */
    void notAppended(long seq) {
        inJournal.remove(seq);
    }

    /** After a materializer commit: these charges' refunds are folded in. Database lock held. */
    void materialized(List<Long> refunded) {
        refunded.forEach(inJournal::remove);
    }

    /**
     * Runs {@code action} only if no refund is in progress or waits in the journal (eviction). Not from within a
     * refund (a chain refund loading its chain's state): the lock is reentrant, but that refund is in progress.
     */
    void whenQuiet(Runnable action) {
        if (lock.isHeldByCurrentThread() || !lock.tryLock()) {
            return;
        }
        try {
            if (inJournal.isEmpty()) {
                action.run();
            }
        } finally {
            lock.unlock();
        }
    }
}
