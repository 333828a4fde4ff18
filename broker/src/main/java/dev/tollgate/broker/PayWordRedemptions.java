package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Credits verified PayWord claims inside a redemption batch's transaction (docs/PROTOCOL.md section 8). All
 * commitments of a certificate draw on its one reservation, so a buyer who commits to more than the limit in all is
 * paid out first-claimed, first-served: a later claim is credited only what is left, and nothing once the
 * reservation is used up. One seller is paid a chain once (a second commitment of one certificate to the same
 * seller with the same {@code jti} or {@code root} is refused), while the same chain committed to two sellers pays
 * each of them.
 */
final class PayWordRedemptions {

    /**
     * A PayWord claim whose certificate, commitment and word verified: pay {@code min(spent, index × unit)} in all,
     * or {@code index × unit} when {@code spent} is {@link PayWordClaims#PROVEN} (no {@code spent} in the claim).
     */
    record Claim(String commitmentId, String certificate, String jti, String root, long n, long unit, long index,
                 long spent, String ledger) implements Redemptions.Entry {

        /** What the claim asks for in all: what was consumed, never more than the word proves was paid. */
        long claimed() {
            // index × unit <= n × unit <= limit was checked when the commitment was verified.
            long proven = Math.multiplyExact(index, unit);
            return spent == PayWordClaims.PROVEN ? proven : Math.min(spent, proven);
        }
    }

    private PayWordRedemptions() {
    }

    /**
     * Credits one verified claim inside the batch transaction: {@code min(min(claimed, idx × unit − others) − mine,
     * left)} where {@code claimed} is {@code min(spent, index × unit)} (what the seller's requests at the claim's
     * ledger consumed, at most what its word proves was paid), {@code idx} the highest word any of the seller's ledgers
     * proved, {@code mine} and {@code others} what this ledger and the others were credited on the commitment
     * ({@link PayWordLedgers}), and {@code left} what is left of the certificate's reservation. The answer's
     * {@code redeemed} is this ledger's cumulative credit, and its {@code index} the claim's own word for a named
     * ledger (the highest word of the commitment for the single ledger). A ledger beyond
     * {@link ScripLedgers#MAX_PER_SCRIP} is refused {@code too_many_ledgers}. What is never claimed stays reserved and
     * goes back to the buyer at expiry. A certificate past its expiry plus the grace period ({@code expires_at <= cutoff}) is returned to its buyer first
     * and the claim refused as {@code expired}.
     */
    static Redemptions.ClaimResult credit(Connection c, String seller, String batch, Claim claim, long now, long cutoff)
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
            PayWordStore.returnCertificate(c, claim.certificate(), buyer, limit - used, now);
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
        if (!PayWordLedgers.ROWS.admits(c, claim.commitmentId(), claim.ledger())) {
            return Redemptions.ClaimResult.paywordRefused(claim.commitmentId(), "too_many_ledgers");
        }
        // Per ledger, as for scrip: the highest word any ledger proved caps the sum over the ledgers.
        long mine = PayWordLedgers.ROWS.amount(c, claim.commitmentId(), claim.ledger());
        long newIndex = Math.max(index, claim.index());
        long othersCredited = credited - mine;
        long owed = Math.min(claim.claimed(), Math.multiplyExact(newIndex, claim.unit()) - othersCredited) - mine;
        long delta = Math.min(owed, limit - used);
        // A named ledger's answer is its own word: another ledger's higher one is no index this ledger reached.
        long answered = !claim.ledger().isEmpty() ? claim.index() : delta > 0 ? newIndex : index;
        if (delta <= 0) {
            return Redemptions.ClaimResult.payword(claim.commitmentId(), "unchanged", 0, mine, answered);
        }
        Database.update(c, "UPDATE buyers SET reserved = reserved - ? WHERE id = ? AND reserved >= ?", delta, buyer,
                delta);
        Database.update(c, "UPDATE sellers SET credited = credited + ? WHERE id = ?", delta, seller);
        Database.update(c, "UPDATE payword_certificates SET redeemed = redeemed + ? WHERE id = ? AND redeemed = ?",
                delta, claim.certificate(), used);
        Database.update(c, "UPDATE payword_commitments SET credited = credited + ?, idx = ? WHERE id = ?"
                + " AND credited = ?", delta, newIndex, claim.commitmentId(), credited);
        PayWordLedgers.ROWS.add(c, claim.commitmentId(), claim.ledger(), delta);
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
        return Redemptions.ClaimResult.payword(claim.commitmentId(), "credited", delta, mine + delta, answered);
    }
}
