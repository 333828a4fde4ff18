package dev.tollgate.gateway.ledger;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory view of one PayWord chain: its row id, unit and length, and a snapshot of its head and spending,
 * changed only by compare-and-set. Thread-safe.
 *
 * <p>{@code ahead} is the amount an advance in progress has reserved against the credit its new head will add: other
 * charges see the credit reduced by it until the advance's ADVANCE record is published and the head moves, so a
 * CHARGE record never spends credit of an ADVANCE record that comes after it in the journal.
 *
 * <p>A state is evicted by compare-and-setting its snapshot to {@link #RETIRED}, only while the snapshot equals what
 * the chain's row holds (everything folded in) and no advance holds the lock; a caller that sees {@code RETIRED}
 * takes a fresh state, loaded from the row.
 */
final class ChainState extends StateMap.State<ChainState.Key> {

    /** Identity of a chain: {@code (issuer, commitmentId)}. */
    record Key(String issuer, String commitmentId) {
    }

    /** Immutable; {@code word} is never modified. */
    record Snapshot(int index, byte[] word, long spent, long ahead) {

        long paid(long unit) {
            return index * unit;
        }
    }

    /** The snapshot of an evicted state (compared by identity). */
    static final Snapshot RETIRED = new Snapshot(-1, new byte[0], 0, 0);

    final long unit;
    final int length;
    /** Serializes advances of this chain (charges from credit alone never take it). */
    final ReentrantLock advanceLock = new ReentrantLock();
    private final AtomicReference<Snapshot> snapshot;
    /** The row's {@code head_index} and {@code spent} as last committed here. Guarded by the database lock. */
    int materializedIndex;
    long materializedSpent;

    ChainState(long id, Key key, long unit, int length, long expiresAtMillis, int index, byte[] word, long spent) {
        super(id, key, expiresAtMillis);
        this.unit = unit;
        this.length = length;
        this.snapshot = new AtomicReference<>(new Snapshot(index, word, spent, 0));
        this.materializedIndex = index;
        this.materializedSpent = spent;
    }

    Snapshot snapshot() {
        return snapshot.get();
    }

    boolean compareAndSet(Snapshot expected, Snapshot value) {
        return snapshot.compareAndSet(expected, value);
    }

    ChainHead head(Snapshot s) {
        return new ChainHead(s.index, s.word, s.paid(unit), s.spent);
    }

    /**
     * Returns a refunded or unwritten charge's amount to the credit. A state holding a positive amount not folded in
     * is never retired, and refunds run only while nothing is evicted.
     */
    void giveBack(long amount) {
        if (amount == 0) {
            return; // nothing to return (and the state may have been retired meanwhile)
        }
        while (true) {
            Snapshot s = snapshot.get();
            if (s == RETIRED) {
                throw new IllegalStateException("chain " + id + " was evicted while " + amount + " was reserved");
            }
            if (snapshot.compareAndSet(s, new Snapshot(s.index, s.word, s.spent - amount, s.ahead))) {
                return;
            }
        }
    }

    /** Retires the state if everything it holds is folded into its row and no advance is in progress. */
    @Override
    boolean retireIfFolded() {
        Snapshot s = snapshot.get();
        // The lock is read after the snapshot: an advance that took it later compare-and-sets from this same
        // snapshot, so either its reservation or this retirement fails.
        if (s == RETIRED || s.ahead != 0 || s.index != materializedIndex || s.spent != materializedSpent
                || advanceLock.isLocked()) {
            return false;
        }
        return snapshot.compareAndSet(s, RETIRED);
    }
}
