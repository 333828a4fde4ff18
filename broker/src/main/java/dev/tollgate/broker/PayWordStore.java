package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * PayWord certificates in the broker's database (docs/PROTOCOL.md section 8): reserving a certificate's limit,
 * reading what settlement verifies a claim against, returning expired certificates, and the buyers' and sellers'
 * listings. Crediting claims is {@link PayWordRedemptions}'; the tables are {@link PayWordTables}'. Runs inside
 * {@link Database}'s transactions and lock.
 *
 * <p>A certificate reserves {@code limit} from its buyer's balance; {@code redeemed} counts what was paid from it, over
 * all its commitments and sellers. The certificate row also records the broker key that signed it, so that a key
 * rotation never strands a certificate during its settlement grace period.
 */
final class PayWordStore {

    /** A certificate as its buyer sees it. */
    record CertificateRow(String id, long limit, long redeemed, Instant expiresAt, String status) {
    }

    /** A commitment as its seller sees it: the highest index credited and what it was paid. */
    record CommitmentRow(String id, String certificate, long n, long unit, long index, long credited,
                         Instant createdAt) {
    }

    /** What settlement needs to verify a certificate: the key that signed it and what it certified. */
    record Certificate(String id, String kid, byte[] brokerKey, String buyerKey, long limit, long expiresAt) {
    }

    private final Database database;

    PayWordStore(Database database) {
        this.database = database;
    }

    /**
     * Moves {@code limit} from the buyer's balance to reserved and records the certificate, in one transaction.
     *
     * @return false, changing nothing, if the balance does not cover {@code limit}
     */
    boolean reserve(String buyer, Certificate cert, Instant issuedAt) throws SQLException {
        return database.write(c -> {
            if (!Accounts.reserve(c, buyer, cert.limit())) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO payword_certificates (id, buyer, kid,"
                    + " broker_key, buyer_key, limit_micros, redeemed, status, issued_at, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, 0, 'active', ?, ?)")) {
                ps.setString(1, cert.id());
                ps.setString(2, buyer);
                ps.setString(3, cert.kid());
                ps.setBytes(4, cert.brokerKey());
                ps.setString(5, cert.buyerKey());
                ps.setLong(6, cert.limit());
                ps.setLong(7, issuedAt.getEpochSecond());
                ps.setLong(8, cert.expiresAt());
                ps.executeUpdate();
            }
            return true;
        });
    }

    /** The certificate with this id, if the broker issued it. */
    Optional<Certificate> certificate(String id) throws SQLException {
        return database.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT kid, broker_key, buyer_key, limit_micros,"
                    + " expires_at FROM payword_certificates WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Certificate(id, rs.getString(1), rs.getBytes(2), rs.getString(3),
                            rs.getLong(4), rs.getLong(5)));
                }
            }
        });
    }

    /**
     * Returns every active certificate past its expiry plus the grace period ({@code expires_at <= cutoff}) of
     * {@code buyer}, or of all if null: the unredeemed remainder of its reservation goes back to the balance.
     *
     * @return how many certificates were returned
     */
    static int returnExpired(Connection c, long now, long cutoff, String buyer) throws SQLException {
        List<ExpiryReturns.Expired> due = ExpiryReturns.expired(c, "SELECT id, buyer, limit_micros - redeemed"
                + " FROM payword_certificates WHERE status = 'active'", cutoff, buyer);
        for (ExpiryReturns.Expired certificate : due) {
            returnCertificate(c, certificate.id(), certificate.buyer(), certificate.remainder(), now);
        }
        return due.size();
    }

    /** Returns one certificate: its unredeemed {@code remainder} goes back to the buyer's balance. */
    static void returnCertificate(Connection c, String id, String buyer, long remainder, long now)
            throws SQLException {
        if (remainder > 0) {
            Accounts.releaseReserved(c, buyer, remainder);
        }
        Database.update(c, "UPDATE payword_certificates SET status = 'returned', returned = ?, returned_at = ?"
                + " WHERE id = ? AND status = 'active'", remainder, now, id);
    }

    /** The buyer's {@code limit} most recent certificates, newest first. */
    static List<CertificateRow> recentCertificates(Connection c, String buyer, int limit) throws SQLException {
        List<CertificateRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, limit_micros, redeemed, expires_at, status"
                + " FROM payword_certificates WHERE buyer = ? ORDER BY issued_at DESC, rowid DESC LIMIT ?")) {
            ps.setString(1, buyer);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new CertificateRow(rs.getString(1), rs.getLong(2), rs.getLong(3),
                            Instant.ofEpochSecond(rs.getLong(4)), rs.getString(5)));
                }
            }
        }
        return List.copyOf(rows);
    }

    /** The seller's {@code limit} most recently claimed commitments, newest first. */
    static List<CommitmentRow> recentCommitments(Connection c, String seller, int limit) throws SQLException {
        List<CommitmentRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, certificate, n, unit, idx, credited, created_at"
                + " FROM payword_commitments WHERE seller = ? ORDER BY created_at DESC, rowid DESC LIMIT ?")) {
            ps.setString(1, seller);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new CommitmentRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6), Instant.ofEpochSecond(rs.getLong(7))));
                }
            }
        }
        return List.copyOf(rows);
    }
}
