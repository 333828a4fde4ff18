package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The dashboard's reads of SQLite: whole-table aggregates, run after the journal is folded in, with the database
 * lock held. Not for the request path: their cost grows with the number of charges.
 */
final class SalesQueries {

    private static final String BY_RESOURCE = "SELECT r.path, SUM(c.amount), COUNT(*) FROM charges c "
            + "JOIN resources r ON r.id = c.resource_id WHERE c.refunded_at IS NULL "
            + "GROUP BY r.path ORDER BY SUM(c.amount) DESC, r.path";
    private static final String RECENT = "SELECT c.seq, c.created_at, r.path, c.amount, c.refunded_at IS NOT NULL "
            + "FROM charges c LEFT JOIN resources r ON r.id = c.resource_id ORDER BY c.seq DESC LIMIT ?";
    /** A refund after settlement can leave a scrip's settled amount above its net charges: count no negative. */
    private static final String SCRIP_SETTLEMENT =
            "SELECT COALESCE(SUM(settled), 0), COALESCE(SUM(MAX(spent - settled, 0)), 0) FROM scrip";
    /** A chain settles what its requests consumed; what the broker credited before by index may be more. */
    private static final String CHAIN_SETTLEMENT =
            "SELECT COALESCE(SUM(settled), 0), COALESCE(SUM(MAX(spent - settled, 0)), 0) FROM chains";

    /** Revenue per broker: every charge is on a scrip or a chain, each of one issuer. */
    private static final String REVENUE_BY_ISSUER = "SELECT issuer, SUM(amount), COUNT(*) FROM receipts "
            + "WHERE refunded_at IS NULL GROUP BY issuer";
    private static final String SETTLEMENT_BY_ISSUER = "SELECT issuer, SUM(settled), SUM(MAX(spent - settled, 0)) "
            + "FROM (SELECT issuer, settled, spent FROM scrip UNION ALL SELECT issuer, settled, spent FROM chains) "
            + "GROUP BY issuer";

    private SalesQueries() {
    }

    static Sales read(LedgerStore db, ReceiptIds receipts, int recentLimit) throws SQLException {
        List<Sales.Resource> byResource = new ArrayList<>();
        try (PreparedStatement select = db.connection.prepareStatement(BY_RESOURCE);
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                byResource.add(new Sales.Resource(rs.getString(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        List<Sales.Charge> recent = new ArrayList<>();
        try (PreparedStatement select = db.connection.prepareStatement(RECENT)) {
            select.setInt(1, recentLimit);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String resource = rs.getString(3);
                    recent.add(new Sales.Charge(Instant.ofEpochMilli(rs.getLong(2)), resource == null ? "" : resource,
                            rs.getLong(4), receipts.format(rs.getLong(1)), rs.getBoolean(5)));
                }
            }
        }
        long settled;
        long unsettled;
        try (PreparedStatement select = db.connection.prepareStatement(SCRIP_SETTLEMENT);
             ResultSet rs = select.executeQuery()) {
            rs.next();
            settled = rs.getLong(1);
            unsettled = rs.getLong(2);
        }
        try (PreparedStatement select = db.connection.prepareStatement(CHAIN_SETTLEMENT);
             ResultSet rs = select.executeQuery()) {
            rs.next();
            settled = Math.addExact(settled, rs.getLong(1));
            unsettled = Math.addExact(unsettled, rs.getLong(2));
        }
        List<Sales.Issuer> byIssuer = byIssuer(db);
        db.commit();
        return new Sales(byResource, recent, settled, unsettled, byIssuer);
    }

    /** Revenue and settlement per issuer, issuers in alphabetical order. */
    private static List<Sales.Issuer> byIssuer(LedgerStore db) throws SQLException {
        java.util.Map<String, long[]> totals = new java.util.TreeMap<>();
        try (PreparedStatement select = db.connection.prepareStatement(REVENUE_BY_ISSUER);
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                long[] t = totals.computeIfAbsent(rs.getString(1), issuer -> new long[4]);
                t[0] = rs.getLong(2);
                t[1] = rs.getLong(3);
            }
        }
        try (PreparedStatement select = db.connection.prepareStatement(SETTLEMENT_BY_ISSUER);
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                long[] t = totals.computeIfAbsent(rs.getString(1), issuer -> new long[4]);
                t[2] = rs.getLong(2);
                t[3] = rs.getLong(3);
            }
        }
        List<Sales.Issuer> byIssuer = new ArrayList<>();
        totals.forEach((issuer, t) -> byIssuer.add(new Sales.Issuer(issuer, t[0], t[1], t[2], t[3])));
        return byIssuer;
    }
}
