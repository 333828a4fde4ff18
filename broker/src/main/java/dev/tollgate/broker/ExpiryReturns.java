package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Expiry returns: what a seller did not redeem of a scrip or a PayWord certificate by its expiry plus the settlement
 * grace period goes back to the buyer's balance. The broker's sweep runs it every minute. Thread-safe.
 */
final class ExpiryReturns {

    private final Database database;
    private final Clock clock;

    ExpiryReturns(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * Returns every active scrip and PayWord certificate whose expiry plus {@code grace} has passed (of one buyer,
     * or of all if {@code buyer} is null): its unredeemed remainder moves from the buyer's reserved amount back to
     * the balance and its status becomes {@code returned}. One transaction.
     *
     * @return how many scrip and certificates were returned
     */
    int returnExpired(Duration grace, String buyer) throws SQLException {
        return database.write(c -> {
            long now = clock.instant().getEpochSecond();
            List<Expired> due = expired(c, "SELECT jti, buyer, budget - redeemed FROM scrip WHERE status = 'active'",
                    now - grace.getSeconds(), buyer);
            for (Expired scrip : due) {
                ScripStore.returnToBuyer(c, scrip.id(), scrip.buyer(), scrip.remainder(), now);
            }
            return due.size() + PayWordStore.returnExpired(c, now, now - grace.getSeconds(), buyer);
        });
    }

    /** A reservation (scrip or certificate) past its expiry and grace: its id, buyer and unredeemed remainder. */
    record Expired(String id, String buyer, long remainder) {
    }

    /**
     * The active reservations {@code select} names (its columns: id, buyer, remainder) whose {@code expires_at} is at
     * or before {@code cutoff}, of {@code buyer} or of all if null.
     */
    static List<Expired> expired(Connection c, String select, long cutoff, String buyer) throws SQLException {
        List<Expired> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(select + " AND expires_at <= ?"
                + (buyer == null ? "" : " AND buyer = ?"))) {
            ps.setLong(1, cutoff);
            if (buyer != null) {
                ps.setString(2, buyer);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Expired(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return due;
    }
}
