package dev.tollgate.gateway.ledger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stream entitlements of a {@link SqliteLedger} ({@link Ledger#chargeStream}). An entitlement is the CHARGE record
 * that bought it (its end in the record's millis field), so it is durable exactly when its charge is.
 *
 * <p>Lookups: a bounded cache of entitlements seen (hit path, lock-free); on a miss, under the key's striped lock,
 * SQLite and the entitlements still in the journal, then the charge. The stripe makes concurrent first requests of
 * one key charge once; refunds take it too while they revoke. A key found without a live entitlement is remembered
 * in a second bounded cache, so a buyer who holds nothing (say a spent scrip asking again and again for a page
 * whose rule sells passes) reads SQLite once per key, not once per request: only a charge of the key under its stripe
 * can make one, and it forgets the miss there, so a purchase is seen at once. Thread-safe.
 */
final class Entitlements {

    /** Who is entitled to what: a buyer of one issuer, to one stream. */
    record Key(String issuer, String buyer, String stream) {
    }

    /**
     * A live entitlement: the charge that bought it and its end (the answer's values made once, for hits). A hit sets
     * {@code used} and then reads {@code revoking}; a refund sets {@code revoking} and then reads {@code used}
     * (both volatile): at least one of them sees the other, so a request never passes on an entitlement whose charge
     * is refunded, and a charge whose entitlement another request used is not refunded.
     */
    static final class Entitlement {
        final long seq;
        final long untilMillis;
        final String receiptId;
        final Instant until;
        volatile boolean used;
        volatile boolean revoking;

        Entitlement(long seq, long untilMillis, String receiptId, Instant until) {
            this.seq = seq;
            this.untilMillis = untilMillis;
            this.receiptId = receiptId;
            this.until = until;
        }

        Entitlement(long seq, long untilMillis, ReceiptIds receipts) {
            this(seq, untilMillis, receipts.format(seq), Instant.ofEpochMilli(untilMillis));
        }
    }

    private record Unfolded(Key key, long untilMillis) {
    }

    private static final int STRIPES = 256;

    private final LockedStore store;
    private final Journal journal;
    private final ScripStates scrips;
    private final Resources resources;
    private final ReceiptIds receipts;
    private final PendingRefunds refunds;
    private final long waitTimeoutNanos;
    private final Cache<Key, Entitlement> cache;
    /** Keys found without a live entitlement: none can appear but by a charge of the key, which removes it here. */
    private final Cache<Key, Boolean> missing;
    /** Lookups of SQLite and the journal for a key (tests). */
    final LongAdder storeLookups = new LongAdder();
    /** Entitlements whose CHARGE record is not folded into SQLite yet, by seq. */
    private final ConcurrentSkipListMap<Long, Unfolded> unfolded = new ConcurrentSkipListMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    Entitlements(LockedStore store, Journal journal, ScripStates scrips, Resources resources, ReceiptIds receipts,
                 PendingRefunds refunds, int capacity) {
        this.store = store;
        this.journal = journal;
        this.scrips = scrips;
        this.resources = resources;
        this.receipts = receipts;
        this.refunds = refunds;
        this.waitTimeoutNanos = store.waitTimeoutNanos();
        this.cache = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
        this.missing = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** How many keys are remembered as missing, once evictions due are done (tests). */
    long missesKept() {
        missing.cleanUp();
        return missing.estimatedSize();
    }

    ReentrantLock stripe(Key key) {
        int h = key.hashCode();
        return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }

    ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, Instant now, Instant entitledUntil)
            throws LedgerUnavailableException {
        long nowMillis = now.toEpochMilli();
        long untilMillis = entitledUntil.toEpochMilli();
        Key key = new Key(scrip.issuer(), scrip.buyer(), stream);
        Entitlement held = cache.getIfPresent(key);
        if (held != null && held.untilMillis > nowMillis) {
            held.used = true;
            if (!held.revoking) {
                return entitled(held, scrip);
            }
            // a refund of its charge is deciding: ask again under the key's stripe, after it
        }
        ReentrantLock stripe = stripe(key);
        LockedStore.acquire(stripe, waitTimeoutNanos, "ledger entitlements are busy");
        try {
            store.ensureOpen();
            held = cache.getIfPresent(key);
            if (held != null && held.untilMillis > nowMillis) {
                held.used = true;
                return entitled(held, scrip);
            }
            if (missing.getIfPresent(key) == null) {
                held = find(key, nowMillis);
                if (held != null) {
                    held.used = true;
                    cache.put(key, held);
                    return entitled(held, scrip);
                }
            }
            missing.invalidate(key); // a charge that fails midway may be recorded still: then look again
            ChargeResult result = scrips.charge(scrip, amountMicros, stream, untilMillis, null,
                    (seq, account, resource) -> unfolded(seq, key, untilMillis));
            if (!(result instanceof ChargeResult.Charged charged)) {
                missing.put(key, Boolean.TRUE); // refused: nothing recorded, the key still has no entitlement
            } else {
                // Only now, durable: a hit must never serve on a charge that a crash could still lose.
                cache.put(key, new Entitlement(receipts.parse(charged.receiptId()), untilMillis,
                        charged.receiptId(), Instant.ofEpochMilli(untilMillis)));
            }
            return result;
        } finally {
            stripe.unlock();
        }
    }

    private ChargeResult entitled(Entitlement held, ScripAccount scrip) throws LedgerUnavailableException {
        store.ensureOpen();
        return new ChargeResult.Entitled(held.receiptId, held.until, scrips.remaining(scrip));
    }

    /** Called once the CHARGE record that entitles is published (its seq known), before it may be made durable. */
    private void unfolded(long seq, Key key, long untilMillis) {
        unfolded.put(seq, new Unfolded(key, untilMillis));
        if (journal.materialized() > seq) {
            unfolded.remove(seq); // folded in already, before the put: SQLite has it
        }
    }

    /**
     * The live entitlement with the latest end, from SQLite and the unfolded journal, skipping charges whose refund
     * waits in the journal. Under the database lock, so nothing is folded in (and taken out of {@link #unfolded} or
     * of the refunds in the journal) meanwhile. Caller holds the key's stripe.
     */
    private Entitlement find(Key key, long nowMillis) throws LedgerUnavailableException {
        storeLookups.increment();
        return store.withDb("ledger read failed", db -> {
            Entitlement best = null;
            // Looked up, not inserted: a refused request writes nothing. Without a row, no charge can name it.
            Integer resourceId = resources.known(db, key.stream());
            if (resourceId != null) {
                db.selectEntitlements.setInt(1, resourceId);
                db.selectEntitlements.setLong(2, nowMillis);
                db.selectEntitlements.setString(3, key.issuer());
                db.selectEntitlements.setString(4, key.buyer());
                try (ResultSet rs = db.selectEntitlements.executeQuery()) {
                    while (rs.next()) {
                        long seq = rs.getLong(1);
                        if (!refunds.inJournal(seq)) {
                            best = new Entitlement(seq, rs.getLong(2), receipts);
                            break;
                        }
                    }
                }
            }
            db.commit();
            for (Map.Entry<Long, Unfolded> entry : unfolded.entrySet()) {
                Unfolded u = entry.getValue();
                if (u.key.equals(key) && u.untilMillis > nowMillis && (best == null || u.untilMillis > best.untilMillis)
                        && !refunds.inJournal(entry.getKey())) {
                    best = new Entitlement(entry.getKey(), u.untilMillis, receipts);
                }
            }
            return best;
        });
    }

    /** The key of a stream charge on scrip row {@code scripId} for resource {@code resourceId}. */
    Key keyOf(long scripId, int resourceId) throws LedgerUnavailableException {
        return store.withDb("ledger read failed", db -> {
            db.selectChargeKey.setLong(1, scripId);
            db.selectChargeKey.setInt(2, resourceId);
            Key key = null;
            try (ResultSet rs = db.selectChargeKey.executeQuery()) {
                if (rs.next()) {
                    key = new Key(rs.getString(1), rs.getString(2), rs.getString(3));
                }
            }
            db.commit();
            if (key == null) {
                throw new SQLException("scrip " + scripId + " or resource " + resourceId + " has no row");
            }
            return key;
        });
    }

    /**
     * Whether the charge {@code seq} may be refunded: not if another request already passed on the entitlement it
     * bought (the buyer got content on it). If it may, hits stop passing on it. Caller holds the key's stripe and
     * calls {@link #revoke} once the refund is recorded.
     */
    boolean mayRefund(Key key, long seq) {
        Entitlement held = cache.getIfPresent(key);
        if (held == null || held.seq != seq) {
            return true; // not cached: any later lookup takes the stripe we hold, and finds the refund
        }
        held.revoking = true;
        if (held.used) {
            held.revoking = false;
            return false;
        }
        return true;
    }

    /** The refund {@link #mayRefund} allowed failed: hits may pass on the entitlement again. Caller holds the stripe. */
    void keep(Key key, long seq) {
        Entitlement held = cache.getIfPresent(key);
        if (held != null && held.seq == seq) {
            held.revoking = false;
        }
    }

    /** The charge {@code seq} is refunded: its entitlement ends now. Caller holds the key's stripe. */
    void revoke(Key key, long seq) {
        cache.asMap().computeIfPresent(key, (k, held) -> held.seq == seq ? null : held);
        unfolded.remove(seq);
    }

    /** Everything below {@code checkpoint} is folded into SQLite. */
    void checkpointed(long checkpoint) {
        unfolded.headMap(checkpoint).clear();
    }
}
