package dev.tollgate.gateway.ledger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.keys.ExpireAt;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The x402 payment identifiers of a {@link SqliteLedger}'s recent charges (PROTOCOL.md section 11): a paid request sent
 * again under the identifier of a charge it already made, because its answer was lost, is answered with that charge's
 * receipt instead of a second charge.
 *
 * <p>What is kept, per account (a scrip or a PayWord chain) and identifier: the charge's seq, resource, amount and
 * time, for {@link #WINDOW_MILLIS} after the charge, in a map of at most {@code capacity} entries (when it is full,
 * Caffeine's size policy drops some, not necessarily the oldest; each entry is a charge someone paid for). The journal record and the charge's SQLite row keep the
 * first 16 bytes of the identifier's SHA-256 (never the identifier), so a reopened ledger loads the window back.
 *
 * <p>Lookup, charge and insertion of one identifier run under its stripe lock, so concurrent requests under one
 * identifier charge once. A replay counts itself on the charge under that stripe, and a refund of the charge takes
 * the stripe too: a charge whose content a replay served is not refunded, and a refunded charge is forgotten, so a
 * later request under its identifier is charged anew. That a replay served a charge is also kept apart, by the
 * charge's seq, for {@link #WINDOW_MILLIS} after its last replay (at most {@code capacity} seqs): the identifier's
 * entry may meanwhile hold a later charge that is refunded and forgotten, and the replayed charge must still not be
 * refunded. It is written to SQLite's {@code served} table too, committed before the replay's content is served
 * ({@link #recordServed}), so a refund finished after a restart refuses it as well; the table holds the replays of
 * the last {@link #WINDOW_MILLIS} only (older rows are deleted at open and, at most once a minute, with a write). Thread-safe.
 */
final class PaymentIds {

    /** How long after its charge an identifier is answered with the charge's receipt. */
    static final long WINDOW_MILLIS = TimeUnit.MINUTES.toMillis(10);
    /** How often recording a replay also deletes the {@code served} rows older than the window: they live up to
     *  the window plus this. */
    static final long SERVED_PURGE_MILLIS = 60_000;
    /**
     * How often one charge is answered as a replay; the request after is charged anew, as a payment of its own. A
     * replay runs the app again, so without a bound one payment would buy a dynamic answer as often as asked within
     * the window. An honest client sends a payment again a few times at most: its own retries after lost answers, each
     * of which the JDK's HttpClient may resend once.
     */
    static final int MAX_REPLAYS = 8;
    private static final int STRIPES = 256;

    /**
     * The first 16 bytes of an identifier's SHA-256 (of the identifier as the gateway passes it: with the request's
     * method and query): what the journal and SQLite keep of it.
     */
    record Hash(long high, long low) {

        static Hash of(String paymentId) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(paymentId.getBytes(StandardCharsets.UTF_8));
                ByteBuffer bytes = ByteBuffer.wrap(digest);
                return new Hash(bytes.getLong(), bytes.getLong());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
        }

        static Hash of(byte[] bytes) {
            if (bytes == null || bytes.length != 16) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new Hash(buffer.getLong(), buffer.getLong());
        }

        byte[] bytes() {
            return ByteBuffer.allocate(16).putLong(high).putLong(low).array();
        }
    }

    /** One account's identifier: {@code accountId} is {@code scrip.id}, or {@code chains.id} if {@code chain}. */
    record Key(long accountId, boolean chain, Hash hash) {
    }

    /**
     * The charge made under an identifier. {@code replays} is read and written under the identifier's stripe;
     * {@code replayedUpTo} is the seq of the last charge under the same identifier that was replayed
     * {@link #MAX_REPLAYS} times before this one replaced it (-1 if none: seqs start at 0): those are never refunded
     * either.
     */
    static final class Kept {
        final long seq;
        final int resourceId;
        final long amount;
        final long createdMillis;
        final long replayedUpTo;
        int replays;

        Kept(long seq, int resourceId, long amount, long createdMillis, long replayedUpTo) {
            this.seq = seq;
            this.resourceId = resourceId;
            this.amount = amount;
            this.createdMillis = createdMillis;
            this.replayedUpTo = replayedUpTo;
        }
    }

    private final Cache<Key, Kept> kept;
    /** The seqs of charges whose content a replay served. */
    private final Cache<Long, Boolean> served;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final long waitTimeoutNanos;

    PaymentIds(int capacity, long waitTimeoutNanos) {
        this.waitTimeoutNanos = waitTimeoutNanos;
        this.kept = Caffeine.newBuilder().maximumSize(capacity)
                .expireAfter(ExpireAt.<Key, Kept>millis(Clock.systemUTC(), charge -> charge.createdMillis + WINDOW_MILLIS))
                .executor(Runnable::run).build();
        this.served = Caffeine.newBuilder().maximumSize(capacity)
                .expireAfterWrite(WINDOW_MILLIS, TimeUnit.MILLISECONDS).executor(Runnable::run).build();
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** Takes the stripe of {@code hash}: every identifier with this hash, whatever its account. */
    ReentrantLock lock(Hash hash) throws LedgerUnavailableException {
        long h = hash.high() ^ hash.low();
        ReentrantLock stripe = stripes[(int) (h ^ (h >>> 32)) & (STRIPES - 1)];
        LockedStore.acquire(stripe, waitTimeoutNanos, "ledger payment identifiers are busy");
        return stripe;
    }

    /** The charge kept under {@code key}, or {@code null}. Caller holds the stripe. */
    Kept find(Key key) {
        return kept.getIfPresent(key);
    }

    /**
     * Keeps a charge made under {@code key} and durable now, in place of {@code replaced} (the charge kept under it
     * before, replayed {@link #MAX_REPLAYS} times), if not {@code null}. Caller holds the stripe.
     */
    void keep(Key key, long seq, int resourceId, long amount, long createdMillis, Kept replaced) {
        kept.put(key, new Kept(seq, resourceId, amount, createdMillis, replaced == null ? -1 : replaced.seq));
    }

    /**
     * Records in SQLite that a replay serves charge {@code seq}, committed (as durable as the ledger's commits) before
     * the replay is answered, and, at most once every {@link #SERVED_PURGE_MILLIS}, deletes the records older than the
     * window: a scan of the table per replay would let a buyer replaying many charges slow every replay down. Caller
     * holds the stripe and the database lock; then calls {@link #replayed}.
     */
    static void recordServed(LedgerStore db, long seq, long nowMillis) throws SQLException {
        if (nowMillis - db.servedPurgedAtMillis >= SERVED_PURGE_MILLIS || nowMillis < db.servedPurgedAtMillis) {
            db.deleteServedBefore.setLong(1, nowMillis - WINDOW_MILLIS);
            db.deleteServedBefore.executeUpdate();
            db.servedPurgedAtMillis = nowMillis;
        }
        db.upsertServed.setLong(1, seq);
        db.upsertServed.setLong(2, nowMillis);
        db.upsertServed.executeUpdate();
        db.commit();
    }

    /** A replay is answered with {@code charge}: counted, and the charge is never refunded. Caller holds the stripe. */
    void replayed(Kept charge) {
        charge.replays++;
        served.put(charge.seq, Boolean.TRUE);
    }

    /**
     * Whether the charge {@code seq} kept under {@code key} may be refunded: not once a replay served its content.
     * Caller holds the stripe, and calls {@link #refunded} once the refund is recorded.
     */
    boolean mayRefund(Key key, long seq) {
        if (served.getIfPresent(seq) != null) {
            return false;
        }
        Kept charge = kept.getIfPresent(key);
        if (charge == null) {
            return true;
        }
        return charge.seq == seq ? charge.replays == 0 : seq > charge.replayedUpTo;
    }

    /** The charge {@code seq} is refunded: a later request under its identifier is charged anew. Caller holds the stripe. */
    void refunded(Key key, long seq) {
        kept.asMap().computeIfPresent(key, (k, charge) -> charge.seq == seq ? null : charge);
    }

    /** How many identifiers are kept now (tests, docs/LEDGER.md "Bounds"). */
    long size() {
        kept.cleanUp();
        return kept.estimatedSize();
    }

    /**
     * Loads the identifiers of charges within the window from SQLite, and the charges replays served within it, at
     * open (the journal is folded in).
     */
    void load(LedgerStore db, long nowMillis) throws SQLException {
        db.selectPaymentIds.setLong(1, nowMillis - WINDOW_MILLIS);
        try (ResultSet rs = db.selectPaymentIds.executeQuery()) {
            while (rs.next()) {
                long seq = rs.getLong(1);
                long scripId = rs.getLong(2);
                long chainId = rs.getLong(3);
                boolean chain = !rs.wasNull();
                Hash hash = Hash.of(rs.getBytes(7));
                if (hash != null) {
                    keep(new Key(chain ? chainId : scripId, chain, hash), seq, rs.getInt(4), rs.getLong(5),
                            rs.getLong(6), null);
                }
            }
        }
        db.deleteServedBefore.setLong(1, nowMillis - WINDOW_MILLIS);
        db.deleteServedBefore.executeUpdate();
        db.selectServed.setLong(1, nowMillis - WINDOW_MILLIS);
        try (ResultSet rs = db.selectServed.executeQuery()) {
            while (rs.next()) {
                served.put(rs.getLong(1), Boolean.TRUE); // their replay counts start again at 0: only refunds ask
            }
        }
        db.commit();
    }
}
