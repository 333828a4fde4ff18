package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrip charges and the in-memory states of the scrip a {@link SqliteLedger} has seen: a charge is decided by
 * compare-and-set on the scrip's state and made durable by its CHARGE record; a state is loaded from (or first
 * inserted into) the {@code scrip} table on a miss. States are evicted by the materializer, only once all their
 * records are folded in. Thread-safe.
 */
final class ScripStates {

    /** The most first-seen scrip rows one transaction inserts. */
    static final int ROWS_PER_COMMIT = 64;

    private static final Logger LOG = LoggerFactory.getLogger(ScripStates.class);

    private final LockedStore store;
    private final Journal journal;
    private final GroupCommit commit;
    private final Resources resources;
    private final ReceiptIds receipts;
    private final StateMap<ScripState.Key, ScripState> states;
    /** First charges waiting to have their scrip's row inserted: at most one per charging thread. */
    private final Queue<NewRow> newRows = new ConcurrentLinkedQueue<>();
    private final LongAdder rowCommits = new LongAdder();

    /** A first-seen scrip's row to insert, and its state once committed. */
    private static final class NewRow {
        final ScripState.Key key;
        final ScripAccount scrip;
        volatile ScripState loaded;

        NewRow(ScripState.Key key, ScripAccount scrip) {
            this.key = key;
            this.scrip = scrip;
        }
    }

    ScripStates(LockedStore store, Journal journal, GroupCommit commit, Resources resources, ReceiptIds receipts,
                StateMap<ScripState.Key, ScripState> states) {
        this.store = store;
        this.journal = journal;
        this.commit = commit;
        this.resources = resources;
        this.receipts = receipts;
        this.states = states;
    }

    /** How many transactions inserted first-seen scrip rows. */
    long rowCommits() {
        return rowCommits.sum();
    }

    /** How many first charges wait for the database lock to have their scrip's row inserted. */
    int rowsWaiting() {
        return newRows.size();
    }

    /** How many scrip states are in memory. */
    int size() {
        return states.size();
    }

    /** Told of a charge's record once it is published, before it may be made durable. */
    interface Published {
        void accept(long seq, long accountId, int resourceId);
    }

    /**
     * Reserves the amount on the scrip's state by compare-and-set and appends its CHARGE record, which entitles its
     * buyer to the resource until {@code entitledUntilMillis} unless that is 0, or keeps {@code paymentId} unless that
     * is {@code null} (not both). {@code published}, if given, is told of the record once it is published, before the
     * wait for durability.
     *
     * <p>Nothing is written for a charge that is refused: a first-seen scrip's row is inserted only if its budget
     * could cover the amount, and a resource's row only once the amount is reserved, so the {@code resources} table
     * grows only with charges (docs/LEDGER.md, "Bounds").
     */
    ChargeResult charge(ScripAccount scrip, long amountMicros, String resource, long entitledUntilMillis,
                        PaymentIds.Hash paymentId, Published published) throws LedgerUnavailableException {
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        ScripState state = states.get(key);
        if (state == null) {
            // A scrip that cannot pay even from its whole budget is looked up, never recorded.
            state = load(key, scrip, amountMicros <= scrip.budgetMicros());
            if (state == null) {
                return new ChargeResult.Insufficient(scrip.budgetMicros());
            }
        }
        checkBudget(state, scrip);
        long spent;
        while (true) {
            spent = state.spent();
            if (spent == ScripState.RETIRED) {
                state = load(key, scrip, true); // evicted meanwhile
                continue;
            }
            long remaining = state.budget - spent;
            if (amountMicros > remaining) {
                return new ChargeResult.Insufficient(remaining);
            }
            if (state.compareAndSetSpent(spent, spent + amountMicros)) {
                break;
            }
        }
        long seq;
        int resourceId;
        try {
            resourceId = resources.id(resource);
            seq = paymentId == null
                    ? journal.append(true, JournalRecord.CHARGE, state.id, amountMicros, resourceId,
                            System.currentTimeMillis(), 0, entitledUntilMillis)
                    : journal.append(true, JournalRecord.CHARGE | JournalRecord.WITH_PAYMENT_ID, state.id,
                            amountMicros, resourceId, System.currentTimeMillis(), paymentId.high(), paymentId.low());
        } catch (LedgerUnavailableException e) {
            state.addSpent(-amountMicros); // nothing was written: give the budget back
            throw e;
        }
        if (published != null) {
            published.accept(seq, state.id, resourceId);
        }
        commit.acknowledge(seq);
        return new ChargeResult.Charged(receipts.format(seq), amountMicros, state.budget - spent - amountMicros);
    }

    /** The state of a scrip this ledger has a row for, or {@code null}; inserts nothing. */
    ScripState known(ScripAccount scrip) throws LedgerUnavailableException {
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        ScripState state = states.get(key);
        return state != null && state.spent() != ScripState.RETIRED ? state : load(key, scrip, false);
    }

    /** {@link Ledger#remaining}: the presented budget for a scrip with no row (nothing is inserted). */
    long remaining(ScripAccount scrip) throws LedgerUnavailableException {
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        while (true) {
            ScripState state = states.get(key);
            if (state == null) {
                state = load(key, scrip, false);
                if (state == null) {
                    return scrip.budgetMicros();
                }
            }
            long spent = state.spent();
            if (spent != ScripState.RETIRED) {
                checkBudget(state, scrip);
                return state.budget - spent;
            }
            states.forget(state);
        }
    }

    /** What was charged on the scrip here, net of refunds (and charges in flight); 0 if it has no row. */
    long charged(ScripState.Key key) throws LedgerUnavailableException {
        while (true) {
            ScripState state = states.get(key);
            if (state == null) {
                state = load(key, null, false);
                if (state == null) {
                    return 0;
                }
            }
            long spent = state.spent();
            if (spent != ScripState.RETIRED) {
                return spent;
            }
            states.forget(state);
        }
    }

    private static void checkBudget(ScripState state, ScripAccount scrip) {
        if (state.budget != scrip.budgetMicros() && !state.budgetMismatchLogged) {
            state.budgetMismatchLogged = true;
            LOG.warn("Scrip {} / {} presented with budget {} but {} is recorded; using the recorded budget",
                    scrip.issuer(), scrip.jti(), scrip.budgetMicros(), state.budget);
        }
    }

    /**
     * The state of a scrip from its row, inserting the row first if {@code insert} (committed before any journal
     * record can refer to it); {@code null} if it has no row and {@code insert} is false.
     */
    ScripState load(ScripState.Key key, ScripAccount scrip, boolean insert) throws LedgerUnavailableException {
        if (insert) {
            return loadInserting(new NewRow(key, scrip));
        }
        return store.withDb("ledger write failed", db -> {
            ScripState state = states.get(key);
            if (state != null && state.spent() != ScripState.RETIRED) {
                return state;
            }
            ScripState loaded = select(db, key);
            db.commit();
            if (loaded != null) {
                states.put(loaded);
            }
            return loaded;
        });
    }

    /**
     * The state of a scrip whose row is inserted unless it has one. The rows of first charges waiting for the database
     * lock are inserted together by the one that holds it, in one transaction (at most {@value #ROWS_PER_COMMIT}):
     * with many new buyers at once, a commit (its WAL pages, its file locks) serves several first charges instead of
     * one. A charge whose row another inserted finds its state when it gets the lock (or when it gives up waiting
     * for it); if that transaction failed, the charge that ran it is refused as any failed ledger write is, and each
     * other one inserts its own.
     */
    private ScripState loadInserting(NewRow mine) throws LedgerUnavailableException {
        newRows.add(mine);
        try {
            return insertWaiting(mine);
        } catch (LedgerUnavailableException e) {
            // Timed out waiting for the lock after another charge's transaction had committed this row: the state is
            // there, so the charge goes on as it would have with the lock (a row committed for a charge answered 503
            // would make closeUnused say "used here" for a scrip that never paid).
            ScripState done = mine.loaded;
            if (done != null) {
                return done;
            }
            throw e;
        } finally {
            if (mine.loaded == null) {
                newRows.remove(mine); // failed, or never got the lock: no later transaction inserts it
            }
        }
    }

    private ScripState insertWaiting(NewRow mine) throws LedgerUnavailableException {
        return store.withDb("ledger write failed", db -> {
            ScripState done = mine.loaded;
            if (done != null) {
                return done;
            }
            newRows.remove(mine);
            List<NewRow> batch = new ArrayList<>();
            batch.add(mine);
            for (NewRow next; batch.size() < ROWS_PER_COMMIT && (next = newRows.poll()) != null; ) {
                batch.add(next);
            }
            // One transaction, and it starts with the write (a write started from a read fails at once if SQLite is
            // busy): each row is inserted unless there is one (INSERT OR IGNORE writes nothing then), read back, and
            // all are committed at once. One state per scrip: a scrip loaded meanwhile, or twice in the batch, keeps
            // the state it has.
            Map<ScripState.Key, ScripState> loaded = new HashMap<>();
            for (NewRow row : batch) {
                ScripState state = states.get(row.key);
                if (state != null && state.spent() != ScripState.RETIRED) {
                    loaded.put(row.key, state);
                } else if (!loaded.containsKey(row.key)) {
                    insertRow(db, row.key, row.scrip, row.scrip.budgetMicros());
                    loaded.put(row.key, null);
                }
            }
            for (Map.Entry<ScripState.Key, ScripState> entry : loaded.entrySet()) {
                if (entry.getValue() == null) {
                    ScripState state = select(db, entry.getKey());
                    if (state == null) {
                        throw new SQLException("scrip row vanished after its insert");
                    }
                    entry.setValue(state);
                }
            }
            db.commit();
            rowCommits.increment();
            for (NewRow row : batch) {
                ScripState state = loaded.get(row.key);
                if (states.get(row.key) != state) {
                    states.put(state);
                }
                row.loaded = state;
            }
            return mine.loaded;
        });
    }

    /**
     * {@link Ledger#closeUnused}: under the database lock, as {@link #load} inserts, so a scrip is either loaded
     * first (it has a row or a state: nothing changes) or finds the row this inserts, whose budget is 0.
     */
    boolean closeUnused(ScripState.Key key, ScripAccount scrip) throws LedgerUnavailableException {
        return store.withDb("ledger write failed", db -> {
            if (states.get(key) != null) {
                return false;
            }
            boolean known = select(db, key) != null;
            db.commit();
            if (!known) {
                insert(db, key, scrip, 0);
            }
            return !known;
        });
    }

    /** Inserts the scrip's row with {@code budget} and commits it. */
    private static void insert(LedgerStore db, ScripState.Key key, ScripAccount scrip, long budget)
            throws SQLException {
        insertRow(db, key, scrip, budget);
        db.commit();
    }

    /** Inserts the scrip's row with {@code budget} unless it has one; the caller commits. */
    private static void insertRow(LedgerStore db, ScripState.Key key, ScripAccount scrip, long budget)
            throws SQLException {
        PreparedStatement ps = db.insertScrip;
        ps.setString(1, key.issuer());
        ps.setString(2, key.jti());
        ps.setString(3, scrip.buyer());
        ps.setString(4, scrip.seller());
        ps.setLong(5, budget);
        ps.setString(6, scrip.currency());
        ps.setLong(7, scrip.expiresAt().toEpochMilli());
        ps.setLong(8, System.currentTimeMillis());
        ps.executeUpdate();
    }

    /** {@link LedgerView#scrip}: the scrip's row as it was recorded, or {@code null}. */
    ScripAccount account(String issuer, String jti) throws LedgerUnavailableException {
        return store.withDb("ledger read failed", db -> {
            PreparedStatement ps = db.selectScripAccount;
            ps.setString(1, issuer);
            ps.setString(2, jti);
            ScripAccount found = null;
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    found = new ScripAccount(issuer, jti, rs.getString(1), rs.getString(2), rs.getLong(3),
                            rs.getString(4), java.time.Instant.ofEpochMilli(rs.getLong(5)));
                }
            }
            db.commit();
            return found;
        });
    }

    static ScripState select(LedgerStore db, ScripState.Key key) throws SQLException {
        db.selectScripByKey.setString(1, key.issuer());
        db.selectScripByKey.setString(2, key.jti());
        try (ResultSet rs = db.selectScripByKey.executeQuery()) {
            return rs.next() ? new ScripState(rs.getLong(1), key, rs.getLong(2), rs.getLong(3), rs.getLong(5)) : null;
        }
    }

    /** The identity of a scrip known by row id; the row must exist. Loads no state. */
    ScripState.Key keyOf(long id) throws LedgerUnavailableException {
        ScripState state = states.byId(id);
        if (state != null) {
            return state.key;
        }
        return store.withDb("ledger read failed", db -> selectKey(db, id));
    }

    /** The identity of the scrip with row id {@code id}, which must exist; ends the read. */
    private static ScripState.Key selectKey(LedgerStore db, long id) throws SQLException {
        db.selectScripById.setLong(1, id);
        ScripState.Key key;
        try (ResultSet rs = db.selectScripById.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("scrip " + id + " has no row");
            }
            key = new ScripState.Key(rs.getString(1), rs.getString(2));
        }
        db.commit();
        return key;
    }

    /** The state of a scrip known by row id (refunds); the row must exist. Caller holds the refund lock. */
    ScripState byId(long id) throws LedgerUnavailableException {
        ScripState state = states.byId(id);
        if (state != null && state.spent() != ScripState.RETIRED) {
            return state;
        }
        return store.withDb("ledger read failed", db -> {
            ScripState.Key key = selectKey(db, id);
            ScripState cached = states.get(key);
            if (cached != null && cached.spent() != ScripState.RETIRED) {
                return cached;
            }
            ScripState loaded = select(db, key);
            db.commit();
            states.put(loaded);
            return loaded;
        });
    }
}
