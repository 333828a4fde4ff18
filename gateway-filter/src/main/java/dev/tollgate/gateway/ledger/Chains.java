package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PayWord chains of a {@link SqliteLedger} ({@link Ledger#chargeChain} and friends). A chain's row is inserted the
 * first time it is paid; its head and spending live in a {@link ChainState} (loaded from the row on a miss: states
 * are never evicted, so the row is current whenever one is loaded) and are made durable by ADVANCE and CHARGE
 * journal records, the ADVANCE first. Thread-safe.
 */
final class Chains {

    private final SqliteLedger ledger;
    private final Journal journal;
    private final Map<ChainState.Key, ChainState> states = new ConcurrentHashMap<>();
    private final Map<Long, ChainState> byId = new ConcurrentHashMap<>();

    Chains(SqliteLedger ledger, Journal journal) {
        this.ledger = ledger;
        this.journal = journal;
    }

    ChainHead head(ChainAccount chain) throws LedgerUnavailableException {
        ChainState.Key key = new ChainState.Key(chain.issuer(), chain.commitmentId());
        ChainState state = states.get(key);
        if (state == null) {
            state = load(key, chain, false).state();
            if (state == null) {
                return new ChainHead(0, chain.root(), 0, 0);
            }
        }
        return state.head(state.snapshot());
    }

    ChargeResult charge(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                        String resource) throws LedgerUnavailableException {
        if (index < 1 || index > chain.length()) {
            throw new IllegalArgumentException("index " + index + " is outside 1.." + chain.length());
        }
        if (word.length != JournalRecord.WORD_BYTES) {
            throw new IllegalArgumentException("word must be 32 bytes, not " + word.length);
        }
        ChainState.Key key = new ChainState.Key(chain.issuer(), chain.commitmentId());
        ChainState state = states.get(key);
        if (state == null) {
            Loaded loaded = load(key, chain, true);
            if (loaded.refused() != null) {
                return loaded.refused();
            }
            state = loaded.state();
        }
        int resourceId = ledger.resourceId(resource);
        ChainState.Snapshot after;
        while (true) {
            ChainState.Snapshot s = state.snapshot();
            if (s.index() != expected.index()) {
                return new ChargeResult.HeadMoved(state.head(s));
            }
            if (index > s.index()) {
                ChargeResult refused = advance(state, expected, index, word, amountMicros);
                if (refused != null) {
                    return refused;
                }
                after = state.snapshot();
                break;
            }
            long credit = s.paid(state.unit) - s.spent() - s.ahead();
            if (amountMicros > credit) {
                if (s.ahead() > 0) {
                    // An advance in progress holds part of the credit: wait for it to end, then look again.
                    SqliteLedger.acquire(state.advanceLock, ledger.waitTimeoutNanos(), "ledger chain is busy");
                    state.advanceLock.unlock();
                    continue;
                }
                return new ChargeResult.Insufficient(Math.max(0, credit));
            }
            after = new ChainState.Snapshot(s.index(), s.word(), s.spent() + amountMicros, s.ahead());
            if (state.compareAndSet(s, after)) {
                break;
            }
        }
        long seq;
        try {
            seq = journal.append(JournalRecord.CHARGE | JournalRecord.ON_CHAIN, state.id, amountMicros, resourceId,
                    System.currentTimeMillis(), 0, 0);
        } catch (LedgerUnavailableException e) {
            state.giveBack(amountMicros); // nothing was written: give the credit back (a moved head stays)
            throw e;
        }
        ledger.appended(seq);
        long remaining = Math.max(0, after.paid(state.unit) - after.spent());
        return new ChargeResult.Charged(ledger.receiptId(seq), amountMicros, remaining);
    }

    /**
     * Moves the head to {@code (index, word)} and takes {@code amount} from the new credit: reserves it, appends the
     * ADVANCE record, then publishes the new head. {@code null} when done; otherwise the outcome, nothing changed.
     */
    private ChargeResult advance(ChainState state, ChainHead expected, int index, byte[] word, long amount)
            throws LedgerUnavailableException {
        SqliteLedger.acquire(state.advanceLock, ledger.waitTimeoutNanos(), "ledger chain is busy");
        try {
            long newPaid = index * state.unit;
            ChainState.Snapshot s;
            while (true) {
                s = state.snapshot();
                if (s.index() != expected.index()) {
                    return new ChargeResult.HeadMoved(state.head(s));
                }
                if (amount > newPaid - s.spent()) {
                    return new ChargeResult.Insufficient(s.paid(state.unit) - s.spent());
                }
                if (state.compareAndSet(s, new ChainState.Snapshot(s.index(), s.word(), s.spent(), amount))) {
                    break;
                }
            }
            byte[] copy = word.clone();
            try {
                journal.appendAdvance(state.id, index, copy);
            } catch (LedgerUnavailableException e) {
                while (true) { // not written: release the reservation
                    s = state.snapshot();
                    if (state.compareAndSet(s, new ChainState.Snapshot(s.index(), s.word(), s.spent(), 0))) {
                        throw e;
                    }
                }
            }
            while (true) {
                s = state.snapshot();
                if (state.compareAndSet(s, new ChainState.Snapshot(index, copy, s.spent() + amount, 0))) {
                    return null;
                }
            }
        } finally {
            state.advanceLock.unlock();
        }
    }

    /** A chain's state, or why its row was not inserted. */
    private record Loaded(ChainState state, ChargeResult.ChainRefused refused) {
    }

    /**
     * The state of a chain from its row, inserting the row first if {@code insert} and the certificate's other chains
     * allow it (checked and inserted in one transaction under the database lock); a {@code null} state if none.
     */
    private Loaded load(ChainState.Key key, ChainAccount chain, boolean insert) throws LedgerUnavailableException {
        return ledger.withDb("ledger write failed", db -> {
            ChainState state = states.get(key);
            if (state != null) {
                return new Loaded(state, null);
            }
            ChainState loaded = select(db, key);
            if (loaded == null && insert) {
                ChargeResult.ChainRefused refused = refusal(db, chain);
                if (refused != null) {
                    db.commit();
                    return new Loaded(null, refused);
                }
                PreparedStatement ps = db.insertChain;
                byte[] root = chain.root();
                ps.setString(1, key.issuer());
                ps.setString(2, key.commitmentId());
                ps.setString(3, chain.commitment());
                ps.setString(4, chain.buyer());
                ps.setString(5, chain.seller());
                ps.setInt(6, chain.length());
                ps.setLong(7, chain.unitMicros());
                ps.setString(8, chain.currency());
                ps.setLong(9, chain.expiresAt().toEpochMilli());
                ps.setBytes(10, root);
                ps.setBytes(11, root);
                ps.setLong(12, System.currentTimeMillis());
                ps.setString(13, chain.certificateId());
                ps.setLong(14, chain.certificateLimitMicros());
                ps.setString(15, chain.commitmentJti());
                ps.executeUpdate();
                loaded = select(db, key);
                if (loaded == null) {
                    throw new SQLException("chain row vanished after its insert");
                }
            }
            db.commit();
            if (loaded != null) {
                states.put(key, loaded);
                byId.put(loaded.id, loaded);
            }
            return new Loaded(loaded, null);
        });
    }

    /**
     * Why a new chain may not be recorded, or {@code null}: its certificate has a chain here with the same root or
     * commitment {@code jti}, or its chains here would commit more than its limit. Database lock held, inside the
     * transaction that inserts the row, so concurrent first payments on two chains of one certificate cannot both
     * pass.
     */
    private static ChargeResult.ChainRefused refusal(LedgerStore db, ChainAccount chain) throws SQLException {
        byte[] root = chain.root();
        long committed = chain.maxMicros();
        boolean overflow = false;
        db.selectCertificateChains.setString(1, chain.issuer());
        db.selectCertificateChains.setString(2, chain.certificateId());
        try (ResultSet rs = db.selectCertificateChains.executeQuery()) {
            while (rs.next()) {
                if (Arrays.equals(root, rs.getBytes(1))) {
                    return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.SAME_ROOT, "the certificate "
                            + "already pays a chain with this root here; keep paying on that chain's commitment");
                }
                if (chain.commitmentJti().equals(rs.getString(2))) {
                    return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.SAME_JTI, "the "
                            + "certificate already pays a chain committed with this 'jti' here; keep paying on that "
                            + "chain's commitment");
                }
                try {
                    committed = Math.addExact(committed, rs.getLong(3));
                } catch (ArithmeticException e) {
                    overflow = true;
                }
            }
        }
        if (overflow || committed > chain.certificateLimitMicros()) {
            long before = overflow ? Long.MAX_VALUE : committed - chain.maxMicros();
            return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.OVER_LIMIT, "the certificate's "
                    + "chains here already commit " + before + " of its limit of " + chain.certificateLimitMicros()
                    + " micro-units; this chain of " + chain.maxMicros() + " does not fit: use a new certificate");
        }
        return null;
    }

    private static ChainState select(LedgerStore db, ChainState.Key key) throws SQLException {
        db.selectChainByKey.setString(1, key.issuer());
        db.selectChainByKey.setString(2, key.commitmentId());
        try (ResultSet rs = db.selectChainByKey.executeQuery()) {
            return rs.next() ? new ChainState(rs.getLong(1), key, rs.getLong(3), rs.getInt(2), rs.getInt(4),
                    rs.getBytes(5), rs.getLong(6)) : null;
        }
    }

    /** The state of a chain known by row id (refunds); the row must exist. */
    ChainState byId(long id) throws LedgerUnavailableException {
        ChainState state = byId.get(id);
        if (state != null) {
            return state;
        }
        return ledger.withDb("ledger read failed", db -> {
            ChainState cached = byId.get(id);
            if (cached != null) {
                return cached;
            }
            db.selectChainById.setLong(1, id);
            ChainState.Key key = null;
            try (ResultSet rs = db.selectChainById.executeQuery()) {
                if (rs.next()) {
                    key = new ChainState.Key(rs.getString(1), rs.getString(2));
                }
            }
            ChainState loaded = key == null ? null : select(db, key);
            db.commit();
            if (loaded == null) {
                throw new SQLException("chain " + id + " has no row");
            }
            ChainState raced = states.putIfAbsent(key, loaded);
            if (raced != null) {
                return raced;
            }
            byId.put(id, loaded);
            return loaded;
        });
    }

    Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(commitmentId, "commitmentId cannot be null.");
        return ledger.withDb("ledger read failed", db -> {
            db.selectCommitment.setString(1, issuer);
            db.selectCommitment.setString(2, commitmentId);
            String found = null;
            try (ResultSet rs = db.selectCommitment.executeQuery()) {
                if (rs.next()) {
                    found = rs.getString(1);
                }
            }
            db.commit();
            return Optional.ofNullable(found);
        });
    }

    /** Chains that consumed more than the broker has credited, from SQLite after folding in. Database lock held. */
    static List<ChainTotal> unsettled(LedgerStore db, int limit) throws SQLException {
        db.selectUnsettledChains.setInt(1, limit);
        List<ChainTotal> rows = new ArrayList<>();
        try (ResultSet rs = db.selectUnsettledChains.executeQuery()) {
            while (rs.next()) {
                rows.add(new ChainTotal(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getBytes(5), rs.getLong(6), rs.getLong(7)));
            }
        }
        db.commit();
        return List.copyOf(rows);
    }

    /**
     * Raises what the broker has credited for a chain and the index it verified (never lowers either), from SQLite
     * after folding in. Database lock held.
     *
     * @return why it was refused, or {@code null}
     */
    static String markSettled(LedgerStore db, String issuer, String commitmentId, long settledMicros,
                              int settledIndex) throws SQLException {
        db.selectChainByKey.setString(1, issuer);
        db.selectChainByKey.setString(2, commitmentId);
        Integer head = null;
        long unit = 0;
        try (ResultSet rs = db.selectChainByKey.executeQuery()) {
            if (rs.next()) {
                unit = rs.getLong(3);
                head = rs.getInt(4);
            }
        }
        String rejected = null;
        if (head == null) {
            if (settledMicros != 0 || settledIndex != 0) {
                rejected = "no payments recorded on chain " + commitmentId;
            }
        } else if (settledIndex > head) {
            rejected = "settled index " + settledIndex + " is beyond the head " + head + " of chain " + commitmentId;
        } else if (settledMicros > head * unit) {
            // The broker may have credited more than was consumed (a version-3 claim paid the head), never more
            // than the revealed words paid.
            rejected = "settled amount " + settledMicros + " is beyond the " + head * unit + " that chain "
                    + commitmentId + " paid";
        } else {
            db.updateChainSettled.setLong(1, settledMicros);
            db.updateChainSettled.setInt(2, settledIndex);
            db.updateChainSettled.setString(3, issuer);
            db.updateChainSettled.setString(4, commitmentId);
            db.updateChainSettled.executeUpdate();
        }
        db.commit();
        return rejected;
    }
}
