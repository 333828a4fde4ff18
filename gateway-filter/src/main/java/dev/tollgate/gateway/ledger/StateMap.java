package dev.tollgate.gateway.ledger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory states of one kind (scrip or PayWord chains), by key and by row id, bounded by evicting states whose
 * every record is folded into their row. Thread-safe; eviction runs under the database lock.
 */
final class StateMap<K, S extends StateMap.State<K>> {

    /** A state that can be evicted once what it holds is all in its row. */
    abstract static class State<K> {
        /** The row id. */
        final long id;
        final K key;
        final long expiresAtMillis;

        State(long id, K key, long expiresAtMillis) {
            this.id = id;
            this.key = key;
            this.expiresAtMillis = expiresAtMillis;
        }

        /**
         * Marks the state retired, atomically with respect to charges, if everything it holds is folded into its
         * row; {@code false} if it is busy. Database lock held, no refund in progress or in the journal.
         */
        abstract boolean retireIfFolded();
    }

    /** A state is evicted once it expired this long ago, whatever the capacity. */
    private static final long EXPIRED_GRACE_MILLIS = 60_000;
    private static final long EXPIRY_SWEEP_MILLIS = 10_000;

    private final int capacity;
    private final Map<K, S> byKey = new ConcurrentHashMap<>();
    private final Map<Long, S> byId = new ConcurrentHashMap<>();
    /** Guarded by the database lock. */
    private long nextExpirySweepMillis;

    StateMap(int capacity) {
        this.capacity = capacity;
    }

    S get(K key) {
        return byKey.get(key);
    }

    S byId(long id) {
        return byId.get(id);
    }

    void put(S state) {
        byKey.put(state.key, state);
        byId.put(state.id, state);
    }

    void forget(S state) {
        byKey.remove(state.key, state);
        byId.remove(state.id, state);
    }

    int size() {
        return byKey.size();
    }

    boolean full() {
        return byKey.size() >= capacity;
    }

    /**
     * In a materializer pass: evicts states over the capacity (down to 90% of it), and states expired a minute ago.
     * Database lock held.
     */
    void evictIdle(long nowMillis, PendingRefunds refunds) {
        boolean over = byKey.size() > capacity;
        boolean sweep = nowMillis >= nextExpirySweepMillis;
        if (!over && !sweep) {
            return;
        }
        refunds.whenQuiet(() -> {
            if (sweep) {
                nextExpirySweepMillis = nowMillis + EXPIRY_SWEEP_MILLIS;
            }
            evict(nowMillis, over ? Math.max(1, capacity - capacity / 10) : Integer.MAX_VALUE);
        });
    }

    /** Before one more state is added to a full map: evicts down to 90% of the capacity. Database lock held. */
    void makeRoom(PendingRefunds refunds) {
        refunds.whenQuiet(() -> evict(System.currentTimeMillis(), capacity - 1 - capacity / 10));
    }

    private void evict(long nowMillis, int target) {
        for (S state : byKey.values()) {
            boolean expired = state.expiresAtMillis + EXPIRED_GRACE_MILLIS < nowMillis;
            if ((expired || byKey.size() > target) && state.retireIfFolded()) {
                forget(state);
            }
        }
    }
}
