package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The issued scrip, each a budget reserved from its buyer's balance: reserving one, reading one, crediting its
 * seller from it and returning what is left of it to the buyer. Everything but {@link #reserve(String, String,
 * String, String, long, Instant, Instant)} runs inside the caller's transaction, so that a redemption, an online
 * charge, a cancel or an expiry return moves money in one transaction with its own checks. Thread-safe.
 */
final class ScripStore {

    /** Outcome of {@link #reserve}. */
    enum Reservation { RESERVED, INSUFFICIENT_FUNDS, UNKNOWN_SELLER, UNKNOWN_BUYER }

    /** One issued scrip as the buyer sees it. */
    record ScripRow(String jti, String seller, long budget, long redeemed, Instant expiresAt, String status) {
    }

    /** A scrip row as a redemption or an online charge reads it, inside its transaction. */
    record HeldScrip(String buyer, String seller, long budget, long redeemed, String status, long expiresAt) {
    }

    private final Database database;

    ScripStore(Database database) {
        this.database = database;
    }

    /**
     * Moves {@code budget} from the buyer's balance to reserved and records the scrip, in one transaction. Nothing
     * changes unless the result is {@link Reservation#RESERVED}.
     */
    Reservation reserve(String buyer, String seller, String jti, String kid, long budget, Instant issuedAt,
                        Instant expiresAt) throws SQLException {
        return database.write(c -> reserve(c, buyer, seller, jti, kid, budget, issuedAt, expiresAt));
    }

    /** {@link #reserve} inside the caller's transaction. */
    static Reservation reserve(Connection c, String buyer, String seller, String jti, String kid, long budget,
                               Instant issuedAt, Instant expiresAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sellers WHERE id = ?")) {
            ps.setString(1, seller);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Reservation.UNKNOWN_SELLER;
                }
            }
        }
        if (!Accounts.reserve(c, buyer, budget)) {
            return buyerExists(c, buyer) ? Reservation.INSUFFICIENT_FUNDS : Reservation.UNKNOWN_BUYER;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO scrip (jti, buyer, seller, kid, budget,"
                + " redeemed, status, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, 0, 'active', ?, ?)")) {
            ps.setString(1, jti);
            ps.setString(2, buyer);
            ps.setString(3, seller);
            ps.setString(4, kid);
            ps.setLong(5, budget);
            ps.setLong(6, issuedAt.getEpochSecond());
            ps.setLong(7, expiresAt.getEpochSecond());
            ps.executeUpdate();
        }
        return Reservation.RESERVED;
    }

    private static boolean buyerExists(Connection c, String buyer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM buyers WHERE id = ?")) {
            ps.setString(1, buyer);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The scrip {@code jti}, or {@code null} if the broker never issued it. */
    static HeldScrip held(Connection c, String jti) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT buyer, seller, budget, redeemed, status,"
                + " expires_at FROM scrip WHERE jti = ?")) {
            ps.setString(1, jti);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new HeldScrip(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                        rs.getString(5), rs.getLong(6)) : null;
            }
        }
    }

    /**
     * Credits the scrip's seller {@code amount} of it: from the buyer's reservation to the seller's credit,
     * {@code redeemed += amount} (only if still {@code held.redeemed}) and as much to what {@code ledger} redeemed
     * ({@link ScripLedgers}), and a {@code redemptions} row for {@code batch}.
     */
    static void credit(Connection c, String jti, HeldScrip held, String ledger, String batch, long amount, long now)
            throws SQLException {
        Database.update(c, "UPDATE buyers SET reserved = reserved - ? WHERE id = ? AND reserved >= ?",
                amount, held.buyer(), amount);
        Database.update(c, "UPDATE sellers SET credited = credited + ? WHERE id = ?", amount, held.seller());
        Database.update(c, "UPDATE scrip SET redeemed = redeemed + ? WHERE jti = ? AND redeemed = ?",
                amount, jti, held.redeemed());
        ScripLedgers.add(c, jti, ledger, amount);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO redemptions (scrip, seller, batch,"
                + " amount, created_at, ledger) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, jti);
            ps.setString(2, held.seller());
            ps.setString(3, batch);
            ps.setLong(4, amount);
            ps.setLong(5, now);
            ps.setString(6, ledger);
            ps.executeUpdate();
        }
    }

    /** Returns the scrip's unredeemed {@code remainder} from the buyer's reservation to its balance: it is over. */
    static void returnToBuyer(Connection c, String jti, String buyer, long remainder, long now)
            throws SQLException {
        if (remainder > 0) {
            Accounts.releaseReserved(c, buyer, remainder);
        }
        Database.update(c, "UPDATE scrip SET status = 'returned', returned = ?, returned_at = ? WHERE jti = ?"
                + " AND status = 'active'", remainder, now, jti);
    }

    /** The most recent scrip of a buyer or a seller ({@code column} is one of those two names), newest first. */
    static List<ScripRow> recent(Connection c, String column, String id, int limit) throws SQLException {
        List<ScripRow> scrip = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT jti, seller, budget, redeemed, expires_at, status"
                + " FROM scrip WHERE " + column + " = ? ORDER BY issued_at DESC, rowid DESC LIMIT ?")) {
            ps.setString(1, id);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    scrip.add(new ScripRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                            Instant.ofEpochSecond(rs.getLong(5)), rs.getString(6)));
                }
            }
        }
        return scrip;
    }
}
