package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * PayWord chains of a {@link SqliteLedger} ({@link Ledger#chargeChain} and friends). A chain's row is inserted by
 * its first payment that pays (never by one that is refused); its head and spending live in a {@link ChainState},
 * made durable by ADVANCE and CHARGE journal records, the ADVANCE first. States are bounded like scrip states: evicted
 * only once everything they hold is folded into the row, so the row is current whenever one is loaded. Thread-safe.
 */
final class Chains {

    private final SqliteLedger ledger;
    private final Journal journal;
    private final StateMap<ChainState.Key, ChainState> states;
    /** Rows read from SQLite to decide whether a new chain may be recorded (a test proves they stay few). */
    final LongAdder certificateRowsRead = new LongAdder();

    Chains(SqliteLedger ledger, Journal journal, int capacity) {
        this.ledger = ledger;
        this.journal = journal;
        this.states = new StateMap<>(capacity);
    }

    /** How many chain states are in memory. */
    int size() {
        return states.size();
    }

    ChainHead head(ChainAccount chain) throws LedgerUnavailableException {
        ChainState.Key key = new ChainState.Key(chain.issuer(), chain.commitmentId());
        while (true) {
            ChainState state = states.get(key);
            if (state == null || state.snapshot() == ChainState.RETIRED) {
                state = load(key, chain, null).state();
                if (state == null) {
                    return new ChainHead(0, chain.root(), 0, 0);
                }
            }
            ChainState.Snapshot s = state.snapshot();
            if (s != ChainState.RETIRED) {
                return state.head(s);
            }
        }
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
        while (true) {
            ChainState state = states.get(key);
            if (state == null || state.snapshot() == ChainState.RETIRED) {
                Loaded loaded = load(key, chain, new FirstPayment(expected.index(), index, amountMicros));
                if (loaded.refused() != null) {
                    return loaded.refused();
                }
                state = loaded.state();
            }
            ChargeResult result = charge(state, expected, index, word, amountMicros, resource);
            if (result != null) {
                return result;
            }
            // evicted meanwhile, before anything changed: take a fresh state
        }
    }

    /** The charge on one state; {@code null} if the state was retired before anything changed. */
    private ChargeResult charge(ChainState state, ChainHead expected, int index, byte[] word, long amountMicros,
                                String resource) throws LedgerUnavailableException {
        ChainState.Snapshot after;
        int resourceId;
        boolean advanced = false;
        while (true) {
            ChainState.Snapshot s = state.snapshot();
            if (s == ChainState.RETIRED) {
                return null;
            }
            if (s.index() != expected.index()) {
                return new ChargeResult.HeadMoved(state.head(s));
            }
            if (index > s.index()) {
                SqliteLedger.acquire(state.advanceLock, ledger.waitTimeoutNanos(), "ledger chain is busy");
                try {
                    resourceId = advance(state, expected, index, word, amountMicros, resource);
                } finally {
                    state.advanceLock.unlock();
                }
                if (resourceId == RETIRED) {
                    return null;
                }
                if (resourceId < 0) {
                    s = state.snapshot();
                    return s.index() != expected.index() ? new ChargeResult.HeadMoved(state.head(s))
                            : new ChargeResult.Insufficient(Math.max(0, s.paid(state.unit) - s.spent()));
                }
                after = state.snapshot();
                advanced = true;
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
                try {
                    resourceId = ledger.resourceId(resource); // only now: a refused payment writes nothing
                } catch (LedgerUnavailableException | RuntimeException e) {
                    state.giveBack(amountMicros);
                    throw e;
                }
                break;
            }
        }
        long seq;
        try {
            // After an advance, the head has moved: its charge is written even with the backlog full.
            seq = journal.append(!advanced, JournalRecord.CHARGE | JournalRecord.ON_CHAIN, state.id, amountMicros,
                    resourceId, System.currentTimeMillis(), 0, 0);
        } catch (LedgerUnavailableException e) {
            state.giveBack(amountMicros); // nothing was written: give the credit back (a moved head stays)
            throw e;
        }
        ledger.appended(seq);
        long remaining = Math.max(0, after.paid(state.unit) - after.spent());
        return new ChargeResult.Charged(ledger.receiptId(seq), amountMicros, remaining);
    }

    /** {@link #advance} found the state retired. */
    private static final int RETIRED = -2;
    /** {@link #advance} refused: the head moved or the new credit does not cover the amount; nothing changed. */
    private static final int REFUSED = -1;

    /**
     * Moves the head to {@code (index, word)} and takes {@code amount} from the new credit: reserves it, looks up the
     * resource's row (inserting it: the payment is accepted now), appends the ADVANCE record, then publishes the new
     * head. Returns the resource's row id, or {@link #REFUSED} or {@link #RETIRED} with nothing changed. Caller holds
     * the advance lock.
     */
    private int advance(ChainState state, ChainHead expected, int index, byte[] word, long amount, String resource)
            throws LedgerUnavailableException {
        long newPaid = index * state.unit;
        ChainState.Snapshot s;
        while (true) {
            s = state.snapshot();
            if (s == ChainState.RETIRED) {
                return RETIRED;
            }
            if (s.index() != expected.index() || amount > newPaid - s.spent()) {
                return REFUSED;
            }
            if (state.compareAndSet(s, new ChainState.Snapshot(s.index(), s.word(), s.spent(), amount))) {
                break;
            }
        }
        // From here the state cannot be retired: the advance lock is held (and a positive amount is reserved).
        byte[] copy = word.clone();
        int resourceId;
        try {
            resourceId = ledger.resourceId(resource);
            journal.appendAdvance(state.id, index, copy);
        } catch (LedgerUnavailableException | RuntimeException e) {
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
                return resourceId;
            }
        }
    }

    /** What a chain's first payment would do, checked before its row is inserted. */
    private record FirstPayment(int expectedIndex, int index, long amountMicros) {
    }

    /** A chain's state, or why its row was not inserted. */
    private record Loaded(ChainState state, ChargeResult refused) {
    }

    /**
     * The state of a chain from its row. Without a row and with a {@code first} payment, inserts the row if the payment
     * pays for something and the certificate's other chains allow it (checked and inserted in one transaction under
     * the database lock); otherwise a {@code null} state (and, for a payment, why nothing was recorded).
     */
    private Loaded load(ChainState.Key key, ChainAccount chain, FirstPayment first)
            throws LedgerUnavailableException {
        return ledger.withDb("ledger write failed", db -> {
            ChainState state = states.get(key);
            if (state != null && state.snapshot() != ChainState.RETIRED) {
                return new Loaded(state, null);
            }
            if (state != null) {
                states.forget(state);
            }
            makeRoom(db);
            ChainState loaded = select(db, key);
            if (loaded == null && first != null) {
                ChargeResult refused = firstPaymentRefusal(db, chain, first);
                if (refused != null) {
                    db.commit();
                    return new Loaded(null, refused);
                }
                insert(db, key, chain);
                loaded = select(db, key);
                if (loaded == null) {
                    throw new SQLException("chain row vanished after its insert");
                }
            }
            db.commit();
            if (loaded != null) {
                states.put(loaded);
            }
            return new Loaded(loaded, null);
        });
    }

    private static void insert(LedgerStore db, ChainState.Key key, ChainAccount chain) throws SQLException {
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
        PreparedStatement add = db.addCertificateCommitted;
        add.setString(1, chain.issuer());
        add.setString(2, chain.certificateId());
        add.setLong(3, chain.maxMicros());
        add.executeUpdate();
    }

    /**
     * Why a chain without a row may not be recorded by this payment, or {@code null}. Nothing is recorded for a
     * payment that would change nothing: one against a head other than the root ({@code HeadMoved}), or one whose
     * words do not cover its price ({@code Insufficient}: a chain's first payment must pay). Then the certificate's
     * rules: it has a chain here with the same root or commitment {@code jti}, or its chains here would commit more
     * than its limit. Database lock held, inside the transaction that inserts the row, so concurrent first payments
     * on two chains of one certificate cannot both pass. Three indexed point lookups, whatever the certificate's
     * number of chains.
     */
    private ChargeResult firstPaymentRefusal(LedgerStore db, ChainAccount chain, FirstPayment first)
            throws SQLException {
        if (first.expectedIndex() != 0) {
            return new ChargeResult.HeadMoved(new ChainHead(0, chain.root(), 0, 0));
        }
        if (first.amountMicros() > first.index() * chain.unitMicros()) {
            return new ChargeResult.Insufficient(0);
        }
        if (exists(db.selectCertificateRoot, chain, stmt -> stmt.setBytes(3, chain.root()))) {
            return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.SAME_ROOT, "the certificate "
                    + "already pays a chain with this root here; keep paying on that chain's commitment");
        }
        if (exists(db.selectCertificateJti, chain, stmt -> stmt.setString(3, chain.commitmentJti()))) {
            return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.SAME_JTI, "the "
                    + "certificate already pays a chain committed with this 'jti' here; keep paying on that "
                    + "chain's commitment");
        }
        long before = 0;
        db.selectCertificateCommitted.setString(1, chain.issuer());
        db.selectCertificateCommitted.setString(2, chain.certificateId());
        try (ResultSet rs = db.selectCertificateCommitted.executeQuery()) {
            if (rs.next()) {
                certificateRowsRead.increment();
                before = rs.getLong(1);
            }
        }
        if (before > chain.certificateLimitMicros() - chain.maxMicros()) { // maxMicros <= limit: no overflow
            return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.OVER_LIMIT, "the certificate's "
                    + "chains here already commit " + before + " of its limit of " + chain.certificateLimitMicros()
                    + " micro-units; this chain of " + chain.maxMicros() + " does not fit: use a new certificate");
        }
        return null;
    }

    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** Whether the certificate has a chain matching {@code statement} (issuer and certificate id bound here). */
    private boolean exists(PreparedStatement statement, ChainAccount chain, Binder third) throws SQLException {
        statement.setString(1, chain.issuer());
        statement.setString(2, chain.certificateId());
        third.bind(statement);
        try (ResultSet rs = statement.executeQuery()) {
            if (rs.next()) {
                certificateRowsRead.increment();
                return true;
            }
            return false;
        }
    }

    private static ChainState select(LedgerStore db, ChainState.Key key) throws SQLException {
        db.selectChainByKey.setString(1, key.issuer());
        db.selectChainByKey.setString(2, key.commitmentId());
        try (ResultSet rs = db.selectChainByKey.executeQuery()) {
            return rs.next() ? new ChainState(rs.getLong(1), key, rs.getLong(3), rs.getInt(2), rs.getLong(7),
                    rs.getInt(4), rs.getBytes(5), rs.getLong(6)) : null;
        }
    }

    /** The state of a chain known by row id (refunds); the row must exist. Caller holds the refund lock. */
    ChainState byId(long id) throws LedgerUnavailableException {
        ChainState state = states.byId(id);
        if (state != null && state.snapshot() != ChainState.RETIRED) {
            return state;
        }
        return ledger.withDb("ledger read failed", db -> {
            ChainState cached = states.byId(id);
            if (cached != null && cached.snapshot() != ChainState.RETIRED) {
                return cached;
            }
            makeRoom(db);
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
            ChainState current = states.get(key);
            if (current != null && current.snapshot() != ChainState.RETIRED) {
                return current;
            }
            states.put(loaded);
            return loaded;
        });
    }

    // ---------------------------------------------------------------- bounds

    /** After a materializer commit: the chain rows' heads and totals now. Database lock held. */
    void materialized(Map<Long, Fold.ChainTotals> totals) {
        totals.forEach((id, t) -> {
            ChainState state = states.byId(id);
            if (state != null) {
                state.materializedIndex = t.index;
                state.materializedSpent = t.spent;
            }
        });
    }

    /**
     * Keeps the states within the capacity before one more is added: when full, folds the journal in and evicts a
     * tenth of the states. Only states with a payment in flight stay, so the map holds at most the capacity plus the
     * chains being paid at that moment. Database lock held.
     */
    private void makeRoom(LedgerStore db) throws SQLException {
        if (states.full()) {
            ledger.foldIn(db);
            states.makeRoom(ledger.refunds());
        }
    }

    /**
     * In a materializer pass: evicts states over the capacity, and states of chains expired a while ago, of which
     * everything is folded in ({@link ChainState#retireIfFolded}). Database lock held.
     */
    void evictIdle(long nowMillis, Refunds refunds) {
        states.evictIdle(nowMillis, refunds);
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
