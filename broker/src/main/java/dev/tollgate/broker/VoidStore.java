package dev.tollgate.broker;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Voids of online charges in the broker's database (docs/PROTOCOL.md section 7): the seller takes back a charge whose
 * content it did not serve. Runs inside {@link Database}'s transactions and lock.
 *
 * <p>A recorded charge is voided once: its amount moves from the seller's credit back to the scrip, into the buyer's
 * reservation while the scrip is active, or straight to the buyer's balance if the scrip was already returned; the
 * scrip's {@code redeemed} goes down by the amount (and the charging ledger's, {@link ScripLedgers}) and the charge
 * row keeps its {@code redemptions} row, marked {@code voided_at} (a seller's credit is the sum of its redemptions
 * minus its voided charges). A charge id the seller
 * never charged gets a tombstone instead, so that its charge request, if it arrives late, is refused: a tombstone is
 * kept for {@link #TOMBSTONE_SECONDS}, as long as such a request can still be accepted, and purged by the next void
 * after that.
 */
final class VoidStore {

    /**
     * How long a tombstone is kept: a charge request is valid for at most {@link Charges#MAX_CHARGE_LIFETIME} after
     * its {@code iat}, plus {@link SellerTokens#SKEW} of clock difference when it is checked, and was signed at most
     * another {@code SKEW} ahead of this broker's clock (else it would be refused as issued in the future). The
     * void arrives after its charge was signed, so its arrival plus this covers every moment the charge could still
     * be accepted. A tombstone stands up to and including its {@code expires_at} second.
     */
    static final long TOMBSTONE_SECONDS = Charges.MAX_CHARGE_LIFETIME.getSeconds() + 2 * SellerTokens.SKEW.getSeconds();
    /** Most live tombstones per seller: a void request that would exceed it is refused as a whole (429). */
    static final int MAX_TOMBSTONES_PER_SELLER = 10_000;

    /** Schema version 9: voided online charges and the tombstones of charge ids voided before they were charged. */
    static final List<String> MIGRATION = List.of(
            "ALTER TABLE online_charges ADD COLUMN voided_at INTEGER",
            """
            CREATE TABLE charge_tombstones (
              seller     TEXT NOT NULL REFERENCES sellers (id),
              jti        TEXT NOT NULL,
              expires_at INTEGER NOT NULL,
              PRIMARY KEY (seller, jti)
            ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX charge_tombstones_by_expiry ON charge_tombstones (expires_at)");

    /** What a void did to one charge id. */
    enum Status {
        /** The charge was recorded and is voided now: its amount went back to the buyer. */
        VOIDED("voided"),
        /** The charge was voided before: nothing changed. */
        UNCHANGED("unchanged"),
        /** No charge with this id was recorded: a tombstone refuses it if it comes later. */
        NOT_CHARGED("not_charged");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        String wire() {
            return wire;
        }
    }

    /**
     * The outcome for one charge id; for a charge voided now or before, its scrip, amount and the scrip's
     * {@code redeemed} total after this void.
     */
    record Result(String charge, Status status, String scrip, long amount, long redeemed) {
    }

    /** A recorded online charge as a void reads it. */
    private record Recorded(String scrip, long amount, boolean voided, String ledger) {
    }

    private VoidStore() {
    }

    /**
     * Voids {@code charges} of {@code seller} (distinct ids) in the caller's transaction, after purging expired
     * tombstones. Results are in the order of the ids.
     *
     * @return the results, or {@code null} if the tombstones to add would exceed {@link #MAX_TOMBSTONES_PER_SELLER}
     *     (then nothing but the purge was done)
     */
    static List<Result> voidCharges(Connection c, String seller, List<String> charges, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM charge_tombstones WHERE expires_at < ?")) {
            ps.setLong(1, now);
            ps.executeUpdate();
        }
        List<Recorded> recorded = new ArrayList<>(charges.size());
        int unknown = 0;
        for (String charge : charges) {
            Recorded r = recorded(c, seller, charge);
            unknown += r == null ? 1 : 0;
            recorded.add(r);
        }
        if (unknown > 0 && liveTombstones(c, seller) + unknown > MAX_TOMBSTONES_PER_SELLER) {
            return null;
        }
        List<Result> results = new ArrayList<>(charges.size());
        for (int i = 0; i < charges.size(); i++) {
            Recorded r = recorded.get(i);
            if (r == null) {
                tombstone(c, seller, charges.get(i), now);
                results.add(new Result(charges.get(i), Status.NOT_CHARGED, null, 0, 0));
            } else {
                results.add(voidRecorded(c, seller, charges.get(i), r, now));
            }
        }
        return List.copyOf(results);
    }

    private static Recorded recorded(Connection c, String seller, String charge) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT scrip, amount, voided_at IS NOT NULL, ledger"
                + " FROM online_charges WHERE seller = ? AND jti = ?")) {
            ps.setString(1, seller);
            ps.setString(2, charge);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Recorded(rs.getString(1), rs.getLong(2), rs.getBoolean(3), rs.getString(4))
                        : null;
            }
        }
    }

    private static Result voidRecorded(Connection c, String seller, String charge, Recorded r, long now)
            throws SQLException {
        String buyer;
        long redeemed;
        boolean returned;
        try (PreparedStatement ps = c.prepareStatement("SELECT buyer, redeemed, status = 'returned' FROM scrip"
                + " WHERE jti = ?")) {
            ps.setString(1, r.scrip());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("invariant violated: online charge " + charge + " of a missing scrip");
                }
                buyer = rs.getString(1);
                redeemed = rs.getLong(2);
                returned = rs.getBoolean(3);
            }
        }
        if (r.voided()) {
            return new Result(charge, Status.UNCHANGED, r.scrip(), r.amount(), redeemed);
        }
        long amount = r.amount();
        Database.update(c, "UPDATE sellers SET credited = credited - ? WHERE id = ? AND credited >= ?",
                amount, seller, amount);
        if (returned) {
            Database.update(c, "UPDATE scrip SET redeemed = redeemed - ?, returned = returned + ? WHERE jti = ?"
                    + " AND redeemed >= ?", amount, amount, r.scrip(), amount);
            Database.update(c, "UPDATE buyers SET balance = balance + ? WHERE id = ?", amount, buyer);
        } else {
            Database.update(c, "UPDATE scrip SET redeemed = redeemed - ? WHERE jti = ? AND redeemed >= ?",
                    amount, r.scrip(), amount);
            Database.update(c, "UPDATE buyers SET reserved = reserved + ? WHERE id = ?", amount, buyer);
        }
        ScripLedgers.add(c, r.scrip(), r.ledger(), -amount);
        Database.update(c, "UPDATE online_charges SET voided_at = ? WHERE seller = ? AND jti = ? AND voided_at IS NULL",
                now, seller, charge);
        return new Result(charge, Status.VOIDED, r.scrip(), amount, redeemed - amount);
    }

    private static void tombstone(Connection c, String seller, String charge, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO charge_tombstones (seller, jti, expires_at)"
                + " VALUES (?, ?, ?) ON CONFLICT (seller, jti) DO UPDATE SET expires_at = excluded.expires_at")) {
            ps.setString(1, seller);
            ps.setString(2, charge);
            ps.setLong(3, now + TOMBSTONE_SECONDS);
            ps.executeUpdate();
        }
    }

    private static long liveTombstones(Connection c, String seller) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM charge_tombstones WHERE seller = ?")) {
            ps.setString(1, seller);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.getLong(1);
            }
        }
    }

    /** Whether the seller voided {@code charge} before it was charged, and its tombstone still stands. */
    static boolean tombstoned(Connection c, String seller, String charge, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM charge_tombstones WHERE seller = ? AND jti = ?"
                + " AND expires_at >= ?")) {
            ps.setString(1, seller);
            ps.setString(2, charge);
            ps.setLong(3, now);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
