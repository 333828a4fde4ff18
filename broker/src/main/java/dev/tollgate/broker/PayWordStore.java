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
 * The PayWord tables of the broker's database (docs/PROTOCOL.md section 8): certificates with the reservation they
 * hold, the commitments sellers claimed on, and the redemptions that paid them. Runs inside {@link Database}'s
 * transactions and lock.
 *
 * <p>A certificate reserves {@code limit} from its buyer's balance. All commitments of the certificate draw on that
 * one reservation ({@code redeemed} counts what was paid from it, over all sellers), so a buyer who commits to more
 * than the limit in all is paid out first-claimed, first-served: a later claim is credited only what is left, and
 * nothing once the reservation is used up. The certificate row also records the broker key that signed it, so that
 * a key rotation never strands a certificate during its settlement grace period. One seller is paid a chain once:
 * a second commitment of one certificate to the same seller with the same {@code jti} or {@code root} is refused,
 * while the same chain committed to two sellers pays each of them.
 */
final class PayWordStore {

    /** Schema version 4. */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE payword_certificates (
              id           TEXT PRIMARY KEY,
              buyer        TEXT NOT NULL REFERENCES buyers (id),
              kid          TEXT NOT NULL,
              broker_key   BLOB NOT NULL CHECK (length(broker_key) = 32),
              buyer_key    TEXT NOT NULL,
              limit_micros INTEGER NOT NULL CHECK (limit_micros > 0),
              redeemed     INTEGER NOT NULL DEFAULT 0 CHECK (redeemed >= 0 AND redeemed <= limit_micros),
              status       TEXT NOT NULL CHECK (status IN ('active', 'returned')),
              returned     INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0),
              issued_at    INTEGER NOT NULL,
              expires_at   INTEGER NOT NULL,
              returned_at  INTEGER
            ) STRICT""",
            "CREATE INDEX payword_certificates_by_buyer ON payword_certificates (buyer, issued_at)",
            "CREATE INDEX payword_certificates_by_expiry ON payword_certificates (status, expires_at)",
            """
            CREATE TABLE payword_commitments (
              id          TEXT PRIMARY KEY,
              certificate TEXT NOT NULL REFERENCES payword_certificates (id),
              seller      TEXT NOT NULL REFERENCES sellers (id),
              jti         TEXT NOT NULL,
              root        TEXT NOT NULL,
              n           INTEGER NOT NULL CHECK (n > 0),
              unit        INTEGER NOT NULL CHECK (unit > 0),
              idx         INTEGER NOT NULL DEFAULT 0 CHECK (idx >= 0 AND idx <= n),
              credited    INTEGER NOT NULL DEFAULT 0 CHECK (credited >= 0),
              created_at  INTEGER NOT NULL,
              UNIQUE (certificate, jti),
              UNIQUE (certificate, root)
            ) STRICT""",
            "CREATE INDEX payword_commitments_by_seller ON payword_commitments (seller, created_at)",
            """
            CREATE TABLE payword_redemptions (
              id         INTEGER PRIMARY KEY,
              commitment TEXT NOT NULL REFERENCES payword_commitments (id),
              seller     TEXT NOT NULL REFERENCES sellers (id),
              batch      TEXT NOT NULL,
              idx        INTEGER NOT NULL CHECK (idx > 0),
              amount     INTEGER NOT NULL CHECK (amount > 0),
              created_at INTEGER NOT NULL
            ) STRICT""",
            "CREATE INDEX payword_redemptions_by_seller ON payword_redemptions (seller, created_at)");

    /**
     * Schema version 6: a chain's uniqueness on a certificate is scoped to its seller. A buyer may commit the same
     * chain (same {@code root}, even the same {@code jti}) to two sellers; each seller's commitment is paid on its
     * own, from the one reservation. SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt. The
     * redemptions that reference it are set aside first (a parent dropped under its children would break their
     * foreign keys for good) and put back, ids included, once the rebuilt table has the old name.
     */
    static final List<String> MIGRATION_V6 = List.of(
            "CREATE TEMP TABLE payword_redemptions_v5 AS SELECT * FROM payword_redemptions",
            "DELETE FROM payword_redemptions",
            """
            CREATE TABLE payword_commitments_v6 (
              id          TEXT PRIMARY KEY,
              certificate TEXT NOT NULL REFERENCES payword_certificates (id),
              seller      TEXT NOT NULL REFERENCES sellers (id),
              jti         TEXT NOT NULL,
              root        TEXT NOT NULL,
              n           INTEGER NOT NULL CHECK (n > 0),
              unit        INTEGER NOT NULL CHECK (unit > 0),
              idx         INTEGER NOT NULL DEFAULT 0 CHECK (idx >= 0 AND idx <= n),
              credited    INTEGER NOT NULL DEFAULT 0 CHECK (credited >= 0),
              created_at  INTEGER NOT NULL,
              UNIQUE (certificate, seller, jti),
              UNIQUE (certificate, seller, root)
            ) STRICT""",
            "INSERT INTO payword_commitments_v6 (id, certificate, seller, jti, root, n, unit, idx, credited, created_at)"
                    + " SELECT id, certificate, seller, jti, root, n, unit, idx, credited, created_at"
                    + " FROM payword_commitments",
            "DROP TABLE payword_commitments",
            "ALTER TABLE payword_commitments_v6 RENAME TO payword_commitments",
            "CREATE INDEX payword_commitments_by_seller ON payword_commitments (seller, created_at)",
            "INSERT INTO payword_redemptions SELECT * FROM temp.payword_redemptions_v5",
            "DROP TABLE temp.payword_redemptions_v5");

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

    /**
     * A PayWord claim whose certificate, commitment and word verified: pay {@code min(spent, index × unit)} in all,
     * or {@code index × unit} when {@code spent} is {@link PayWordClaims#PROVEN} (no {@code spent} in the claim).
     */
    record Claim(String commitmentId, String certificate, String jti, String root, long n, long unit, long index,
                 long spent) implements Redemptions.Entry {

        /** What the claim asks for in all: what was consumed, never more than the word proves was paid. */
        long claimed() {
            // index × unit <= n × unit <= limit was checked when the commitment was verified.
            long proven = Math.multiplyExact(index, unit);
            return spent == PayWordClaims.PROVEN ? proven : Math.min(spent, proven);
        }
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
            try (PreparedStatement ps = c.prepareStatement("UPDATE buyers SET balance = balance - ?,"
                    + " reserved = reserved + ? WHERE id = ? AND balance >= ?")) {
                ps.setLong(1, cert.limit());
                ps.setLong(2, cert.limit());
                ps.setString(3, buyer);
                ps.setLong(4, cert.limit());
                if (ps.executeUpdate() != 1) {
                    return false;
                }
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
     * Credits one verified claim inside the batch transaction: {@code min(claimed − credited, left)} where
     * {@code claimed} is {@code min(spent, index × unit)} (what the seller's requests consumed, at most what the word
     * proves was paid), {@code credited} what this commitment was paid already and {@code left} what is left of the
     * certificate's reservation. What is never claimed stays reserved and goes back to the buyer at expiry. A
     * certificate past its expiry plus the grace period ({@code expires_at <= cutoff}) is returned to its buyer first
     * and the claim refused as {@code expired}.
     */
    static Redemptions.ClaimResult redeem(Connection c, String seller, String batch, Claim claim, long now, long cutoff)
            throws SQLException {
        String buyer;
        long limit;
        long used;
        String status;
        long expiresAt;
        try (PreparedStatement ps = c.prepareStatement("SELECT buyer, limit_micros, redeemed, status, expires_at"
                + " FROM payword_certificates WHERE id = ?")) {
            ps.setString(1, claim.certificate());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Redemptions.ClaimResult.paywordRefused(claim.commitmentId(), "unknown_certificate");
                }
                buyer = rs.getString(1);
                limit = rs.getLong(2);
                used = rs.getLong(3);
                status = rs.getString(4);
                expiresAt = rs.getLong(5);
            }
        }
        if (status.equals("returned")) {
            return Redemptions.ClaimResult.paywordRefused(claim.commitmentId(), "expired");
        }
        if (expiresAt <= cutoff) {
            returnCertificate(c, claim.certificate(), buyer, limit - used, now);
            return Redemptions.ClaimResult.paywordRefused(claim.commitmentId(), "expired");
        }
        long index = 0;
        long credited = 0;
        boolean known = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT idx, credited FROM payword_commitments WHERE id = ?")) {
            ps.setString(1, claim.commitmentId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    known = true;
                    index = rs.getLong(1);
                    credited = rs.getLong(2);
                }
            }
        }
        if (!known) {
            // Another text of a commitment with the same jti or root would pay this seller the same chain twice.
            // Another seller's commitment to the same chain is another payment: the buyer signed both.
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM payword_commitments WHERE certificate = ?"
                    + " AND seller = ? AND (jti = ? OR root = ?)")) {
                ps.setString(1, claim.certificate());
                ps.setString(2, seller);
                ps.setString(3, claim.jti());
                ps.setString(4, claim.root());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Redemptions.ClaimResult.paywordRefused(claim.commitmentId(), "invalid_commitment");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO payword_commitments (id, certificate,"
                    + " seller, jti, root, n, unit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, claim.commitmentId());
                ps.setString(2, claim.certificate());
                ps.setString(3, seller);
                ps.setString(4, claim.jti());
                ps.setString(5, claim.root());
                ps.setLong(6, claim.n());
                ps.setLong(7, claim.unit());
                ps.setLong(8, now);
                ps.executeUpdate();
            }
        }
        long owed = claim.claimed() - credited;
        long delta = Math.min(owed, limit - used);
        if (delta <= 0) {
            return Redemptions.ClaimResult.payword(claim.commitmentId(), "unchanged", 0, credited, index);
        }
        long newIndex = Math.max(index, claim.index());
        Database.update(c, "UPDATE buyers SET reserved = reserved - ? WHERE id = ? AND reserved >= ?", delta, buyer, delta);
        Database.update(c, "UPDATE sellers SET credited = credited + ? WHERE id = ?", delta, seller);
        Database.update(c, "UPDATE payword_certificates SET redeemed = redeemed + ? WHERE id = ? AND redeemed = ?",
                delta, claim.certificate(), used);
        Database.update(c, "UPDATE payword_commitments SET credited = credited + ?, idx = ? WHERE id = ?"
                + " AND credited = ?", delta, newIndex, claim.commitmentId(), credited);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO payword_redemptions (commitment, seller, batch,"
                + " idx, amount, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, claim.commitmentId());
            ps.setString(2, seller);
            ps.setString(3, batch);
            ps.setLong(4, claim.index());
            ps.setLong(5, delta);
            ps.setLong(6, now);
            ps.executeUpdate();
        }
        return Redemptions.ClaimResult.payword(claim.commitmentId(), "credited", delta, credited + delta, newIndex);
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

    private static void returnCertificate(Connection c, String id, String buyer, long remainder, long now)
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
