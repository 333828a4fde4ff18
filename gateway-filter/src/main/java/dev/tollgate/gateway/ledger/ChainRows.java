package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code chains} rows of a {@link SqliteLedger}: a chain's state is loaded from its row, and the row is inserted
 * by the chain's first payment that pays (never by one that is refused), under the certificate's rules. States are
 * bounded like scrip states: evicted only once everything they hold is folded into the row, so the row is current
 * whenever one is loaded. Thread-safe.
 */
final class ChainRows {

    private final LockedStore store;
    private final StateMap<ChainState.Key, ChainState> states;
    private final Materializer materializer;
    private final PendingRefunds refunds;
    /** Rows read from SQLite to decide whether a new chain may be recorded (a test proves they stay few). */
    final LongAdder certificateRowsRead = new LongAdder();

    ChainRows(LockedStore store, StateMap<ChainState.Key, ChainState> states, Materializer materializer,
              PendingRefunds refunds) {
        this.store = store;
        this.states = states;
        this.materializer = materializer;
        this.refunds = refunds;
    }

    /** What a chain's first payment would do, checked before its row is inserted. */
    record FirstPayment(int expectedIndex, int index, long amountMicros) {
    }

    /** A chain's state, or why its row was not inserted. */
    record Loaded(ChainState state, ChargeResult refused) {
    }

    /**
     * The state of a chain from its row. Without a row and with a {@code first} payment, inserts the row if the payment
     * pays for something and the certificate's other chains allow it (checked and inserted in one transaction under
     * the database lock); otherwise a {@code null} state (and, for a payment, why nothing was recorded).
     */
    Loaded load(ChainState.Key key, ChainAccount chain, FirstPayment first)
            throws LedgerUnavailableException {
        return store.withDb("ledger write failed", db -> {
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
        return store.withDb("ledger read failed", db -> {
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

    /**
     * Keeps the states within the capacity before one more is added: when full, folds the journal in and evicts a
     * tenth of the states. Only states with a payment in flight stay, so the map holds at most the capacity plus the
     * chains being paid at that moment. Database lock held.
     */
    private void makeRoom(LedgerStore db) throws SQLException {
        if (states.full()) {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            states.makeRoom(refunds);
        }
    }

    Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(commitmentId, "commitmentId cannot be null.");
        return store.withDb("ledger read failed", db -> {
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

}
