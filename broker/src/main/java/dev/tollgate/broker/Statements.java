package dev.tollgate.broker;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the ledger adds up to: a seller's statement, each seller's credit against its redemptions, and the sums that
 * money conservation is checked with. Read-only, each in one snapshot. Thread-safe.
 */
final class Statements {

    /** A seller's credited total, its most recent scrip and its most recent PayWord commitments. */
    record SellerStatement(String seller, long credited, List<ScripStore.ScripRow> scrip,
                           List<PayWordStore.CommitmentRow> commitments) {
    }

    /** Sums over the whole database, for the conservation invariant. */
    record Totals(long deposits, long balances, long reserved, long credited) {
        boolean conserved() {
            return balances + reserved + credited == deposits;
        }
    }

    private final Database database;

    Statements(Database database) {
        this.database = database;
    }

    /** The seller's credited total and its {@code scripLimit} most recent scrip, newest first. */
    Optional<SellerStatement> statement(String seller, int scripLimit) throws SQLException {
        return database.read(c -> {
            long credited;
            try (PreparedStatement ps = c.prepareStatement("SELECT credited FROM sellers WHERE id = ?")) {
                ps.setString(1, seller);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    credited = rs.getLong(1);
                }
            }
            List<ScripStore.ScripRow> scrip = ScripStore.recent(c, "seller", seller, scripLimit);
            return Optional.of(new SellerStatement(seller, credited, List.copyOf(scrip),
                    PayWordStore.recentCommitments(c, seller, scripLimit)));
        });
    }

    /** For every seller: {credited, sum of its redemptions minus its voided online charges}; the two must be equal. */
    Map<String, long[]> creditsBySeller() throws SQLException {
        return database.read(c -> {
            Map<String, long[]> out = new TreeMap<>();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT s.id, s.credited, (SELECT coalesce(sum(amount), 0)"
                         + " FROM redemptions r WHERE r.seller = s.id) + (SELECT coalesce(sum(amount), 0)"
                         + " FROM payword_redemptions p WHERE p.seller = s.id) - (SELECT coalesce(sum(amount), 0)"
                         + " FROM online_charges o WHERE o.seller = s.id AND o.voided_at IS NOT NULL)"
                         + " FROM sellers s")) {
                while (rs.next()) {
                    out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
            return out;
        });
    }

    /** Sums of deposits, balances, reserved amounts and seller credits, read in one snapshot. */
    Totals totals() throws SQLException {
        return database.read(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT (SELECT coalesce(sum(amount), 0) FROM deposits),"
                         + " (SELECT coalesce(sum(balance), 0) FROM buyers),"
                         + " (SELECT coalesce(sum(reserved), 0) FROM buyers),"
                         + " (SELECT coalesce(sum(credited), 0) FROM sellers)")) {
                return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
            }
        });
    }
}
