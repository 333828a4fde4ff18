package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One table of amounts per (account, ledger), for sellers settling from several gateway nodes ({@link ScripLedgers},
 * {@link PayWordLedgers}): what each ledger was paid on a scrip or a PayWord commitment, at most
 * {@link ScripLedgers#MAX_PER_SCRIP} ledgers per account. Every method runs inside the caller's transaction.
 * Immutable; the names are constants of this package, never input.
 */
final class LedgerRows {

    private final String amountSql;
    private final String admitsSql;
    private final String updateSql;
    private final String insertSql;

    LedgerRows(String table, String account, String amount) {
        amountSql = "SELECT " + amount + " FROM " + table + " WHERE " + account + " = ? AND ledger = ?";
        admitsSql = "SELECT count(*), count(*) FILTER (WHERE ledger = ?) FROM " + table + " WHERE " + account + " = ?";
        updateSql = "UPDATE " + table + " SET " + amount + " = " + amount + " + ? WHERE " + account
                + " = ? AND ledger = ?";
        insertSql = "INSERT INTO " + table + " (" + account + ", ledger, " + amount + ") VALUES (?, ?, ?)";
    }

    /** What {@code ledger} was paid on {@code account} (0 if nothing). */
    long amount(Connection c, String account, String ledger) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(amountSql)) {
            ps.setString(1, account);
            ps.setString(2, ledger);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Whether {@code ledger} may be paid on {@code account}: it was before, or the account has room for one more. */
    boolean admits(Connection c, String account, String ledger) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(admitsSql)) {
            ps.setString(1, ledger);
            ps.setString(2, account);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.getLong(2) > 0 || rs.getLong(1) < ScripLedgers.MAX_PER_SCRIP;
            }
        }
    }

    /** Adds {@code amount} (negative for a void) to what {@code ledger} was paid on {@code account}. */
    void add(Connection c, String account, String ledger, long amount) throws SQLException {
        // Not an upsert: SQLite checks the inserted row's CHECK before the conflict, which a void's amount fails.
        if (Database.execute(c, updateSql, amount, account, ledger) == 0) {
            Database.update(c, insertSql, account, ledger, amount);
        }
    }
}
