package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory states of the scrip a {@link SqliteLedger} has seen: loaded from (or first inserted into) the
 * {@code scrip} table on a miss, and evicted only once all their records are folded in. Thread-safe.
 */
final class ScripStates {

    private static final Logger LOG = LoggerFactory.getLogger(ScripStates.class);

    private final SqliteLedger ledger;
    private final StateMap<ScripState.Key, ScripState> states;

    ScripStates(SqliteLedger ledger, int capacity) {
        this.ledger = ledger;
        this.states = new StateMap<>(capacity);
    }

    /** The cached state, possibly RETIRED, or {@code null}. */
    ScripState get(ScripState.Key key) {
        return states.get(key);
    }

    void forget(ScripState state) {
        states.forget(state);
    }

    int size() {
        return states.size();
    }

    static void checkBudget(ScripState state, ScripAccount scrip) {
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
        return ledger.withDb("ledger write failed", db -> {
            ScripState state = states.get(key);
            if (state != null && state.spent() != ScripState.RETIRED) {
                return state;
            }
            ScripState loaded = select(db, key);
            db.commit(); // end the read: a write started from a read fails at once if SQLite is busy
            if (loaded == null && insert) {
                insert(db, key, scrip, scrip.budgetMicros());
                loaded = select(db, key);
                if (loaded == null) {
                    throw new SQLException("scrip row vanished after its insert");
                }
            }
            db.commit();
            if (loaded != null) {
                states.put(loaded);
            }
            return loaded;
        });
    }

    /**
     * {@link Ledger#closeUnused}: under the database lock, as {@link #load} inserts, so a scrip is either loaded
     * first (it has a row or a state: nothing changes) or finds the row this inserts, whose budget is 0.
     */
    boolean closeUnused(ScripState.Key key, ScripAccount scrip) throws LedgerUnavailableException {
        return ledger.withDb("ledger write failed", db -> {
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
        db.commit();
    }

    static ScripState select(LedgerStore db, ScripState.Key key) throws SQLException {
        db.selectScripByKey.setString(1, key.issuer());
        db.selectScripByKey.setString(2, key.jti());
        try (ResultSet rs = db.selectScripByKey.executeQuery()) {
            return rs.next() ? new ScripState(rs.getLong(1), key, rs.getLong(2), rs.getLong(3), rs.getLong(5)) : null;
        }
    }

    /** The state of a scrip known by row id (refunds); the row must exist. Caller holds the refund lock. */
    ScripState byId(long id) throws LedgerUnavailableException {
        ScripState state = states.byId(id);
        if (state != null && state.spent() != ScripState.RETIRED) {
            return state;
        }
        return ledger.withDb("ledger read failed", db -> {
            db.selectScripById.setLong(1, id);
            ScripState.Key key;
            try (ResultSet rs = db.selectScripById.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("scrip " + id + " has no row");
                }
                key = new ScripState.Key(rs.getString(1), rs.getString(2));
            }
            db.commit();
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

    /** After a materializer commit: the scrip rows' totals now. Database lock held. */
    void materialized(Map<Long, Long> spentByScrip) {
        spentByScrip.forEach((id, spent) -> {
            ScripState state = states.byId(id);
            if (state != null) {
                state.materialized = spent;
            }
        });
    }

    /**
     * Evicts states over the capacity, and states of scrip expired a while ago, but only states all of whose records
     * are folded in ({@link ScripState#retireIfFolded}). Database lock held.
     */
    void evictIdle(long nowMillis, Refunds refunds) {
        states.evictIdle(nowMillis, refunds);
    }

    /** Scrip with charges not yet settled, oldest first, from SQLite after folding in. Database lock held. */
    static List<ScripTotal> unsettled(LedgerStore db, int limit) throws SQLException {
        db.selectUnsettled.setInt(1, limit);
        List<ScripTotal> rows = new ArrayList<>();
        try (ResultSet rs = db.selectUnsettled.executeQuery()) {
            while (rs.next()) {
                rows.add(new ScripTotal(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        db.commit();
        return List.copyOf(rows);
    }

    /**
     * Raises a scrip's settled amount (never lowers it), from SQLite after folding in. Database lock held.
     *
     * @return why it was refused, or {@code null}
     */
    static String markSettled(LedgerStore db, String issuer, String jti, long settledMicros) throws SQLException {
        db.selectScripByKey.setString(1, issuer);
        db.selectScripByKey.setString(2, jti);
        long id = -1;
        long spent = 0;
        long settled = 0;
        try (ResultSet rs = db.selectScripByKey.executeQuery()) {
            if (rs.next()) {
                id = rs.getLong(1);
                spent = rs.getLong(3);
                settled = rs.getLong(4);
            }
        }
        String refused = null;
        if (id < 0) {
            if (settledMicros != 0) {
                refused = "no charges recorded on scrip " + jti;
            }
        } else if (settledMicros > settled) { // amounts never go backwards
            if (settledMicros > spent) {
                refused = "settled amount " + settledMicros + " exceeds the " + spent + " charged on scrip " + jti;
            } else {
                db.updateSettled.setLong(1, settledMicros);
                db.updateSettled.setLong(2, id);
                db.updateSettled.executeUpdate();
            }
        }
        db.commit();
        return refused;
    }
}
