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
 */
final class ChainState {

    /** Identity of a chain: {@code (issuer, commitmentId)}. */
    record Key(String issuer, String commitmentId) {
    }

    /** Immutable; {@code word} is never modified. */
    record Snapshot(int index, byte[] word, long spent, long ahead) {

        long paid(long unit) {
            return index * unit;
        }
    }

    final long id;
    final Key key;
    final long unit;
    final int length;
    /** Serializes advances of this chain (charges from credit alone never take it). */
    final ReentrantLock advanceLock = new ReentrantLock();
    private final AtomicReference<Snapshot> snapshot;

    ChainState(long id, Key key, long unit, int length, int index, byte[] word, long spent) {
        this.id = id;
        this.key = key;
        this.unit = unit;
        this.length = length;
        this.snapshot = new AtomicReference<>(new Snapshot(index, word, spent, 0));
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

    /** Returns a refunded or unwritten charge's amount to the credit. */
    void giveBack(long amount) {
        while (true) {
            Snapshot s = snapshot.get();
            if (snapshot.compareAndSet(s, new Snapshot(s.index, s.word, s.spent - amount, s.ahead))) {
                return;
            }
        }
    }
}
