package dev.tollgate.gateway.ledger;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Settlement of a {@link SqliteLedger}: what the scrip and the PayWord chains have spent beyond what the broker
 * settled, and recording what it settled. Each call folds in what is ready, then works on SQLite under the database
 * lock. Thread-safe.
 */
final class Settlement {

    private final LockedStore store;
    private final Materializer materializer;

    Settlement(LockedStore store, Materializer materializer) {
        this.store = store;
        this.materializer = materializer;
    }

    /** {@link Ledger#unsettled}: of {@code issuer}, or of every issuer if it is {@code null}. */
    List<ScripTotal> unsettled(String issuer, int limit) throws LedgerUnavailableException {
        return store.withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return unsettled(db, issuer, limit);
        });
    }

    /** {@link Ledger#markSettled}. */
    void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
        String rejected = store.withDb("ledger write failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return markSettled(db, issuer, jti, settledMicros);
        });
        if (rejected != null) {
            throw new IllegalArgumentException(rejected);
        }
    }

    /** {@link Ledger#unsettledChains}: of {@code issuer}, or of every issuer if it is {@code null}. */
    List<ChainTotal> unsettledChains(String issuer, int limit) throws LedgerUnavailableException {
        return store.withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return unsettledChains(db, issuer, limit);
        });
    }

    /** {@link Ledger#markChainSettled}. */
    void markChainSettled(String issuer, String commitmentId, long settledMicros, int settledIndex)
            throws LedgerUnavailableException {
        String rejected = store.withDb("ledger write failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return markChainSettled(db, issuer, commitmentId, settledMicros, settledIndex);
        });
        if (rejected != null) {
            throw new IllegalArgumentException(rejected);
        }
    }

    /** Scrip with charges not yet settled, oldest first, from SQLite after folding in. Database lock held. */
    private static List<ScripTotal> unsettled(LedgerStore db, String issuer, int limit) throws SQLException {
        db.selectUnsettled.setString(1, issuer);
        db.selectUnsettled.setString(2, issuer);
        db.selectUnsettled.setInt(3, limit);
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
    private static String markSettled(LedgerStore db, String issuer, String jti, long settledMicros)
            throws SQLException {
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

    /** Chains that consumed more than the broker has credited, from SQLite after folding in. Database lock held. */
    private static List<ChainTotal> unsettledChains(LedgerStore db, String issuer, int limit) throws SQLException {
        db.selectUnsettledChains.setString(1, issuer);
        db.selectUnsettledChains.setString(2, issuer);
        db.selectUnsettledChains.setInt(3, limit);
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
    private static String markChainSettled(LedgerStore db, String issuer, String commitmentId, long settledMicros,
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
