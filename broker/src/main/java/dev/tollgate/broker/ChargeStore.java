package dev.tollgate.broker;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

/**
 * Online charges (docs/PROTOCOL.md section 7): a charge the broker confirms before the content is served, credited
 * to the seller from the scrip like a redemption, and its void ({@link VoidStore}) when the content was not served
 * after all. Each call is one transaction. Thread-safe.
 */
final class ChargeStore {

    /** The outcome of {@link #charge}. */
    enum ChargeStatus {
        CHARGED, REPEATED, CONFLICT, UNKNOWN_SCRIP, WRONG_SELLER, EXPIRED, INSUFFICIENT_BUDGET,
        /** The scrip was redeemed from {@link ScripLedgers#MAX_PER_SCRIP} other ledgers already. */
        TOO_MANY_LEDGERS,
        /** The seller voided this charge id (before or after it was charged): it is never charged again. */
        VOIDED
    }

    /**
     * The outcome of one online charge. For {@code CHARGED} and {@code REPEATED} (an idempotent retry): the charged
     * {@code amount}, the scrip's {@code redeemed} total right after the charge, its {@code budget} and the time the
     * charge was recorded; for {@code INSUFFICIENT_BUDGET}: the current {@code redeemed} and {@code budget}.
     */
    record ChargeResult(ChargeStatus status, long amount, long redeemed, long budget, long chargedAt) {
        long remaining() {
            return budget - redeemed;
        }

        static ChargeResult refused(ChargeStatus status) {
            return new ChargeResult(status, 0, 0, 0, 0);
        }
    }

    private final Database database;
    private final Clock clock;

    ChargeStore(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * An online charge (docs/PROTOCOL.md section 7), in one transaction: a charge {@code jti} the seller already
     * recorded returns the original result ({@code REPEATED}) if it names the same scrip and amount, else
     * {@code CONFLICT}; otherwise the scrip must exist, be the seller's, be neither expired nor returned, and have
     * {@code amount} left in its budget (over all its ledgers). Then {@code amount} is credited exactly like a
     * redemption from {@code ledger} (reserved to the seller's credit, {@code redeemed += amount}, as much to the
     * ledger's, a {@code redemptions} row with batch {@code charge:<jti>}) and the charge recorded with its ledger. A
     * recorded charge id with another scrip, amount or ledger is a {@code CONFLICT}. Nothing changes unless the result
     * is {@code CHARGED}.
     */
    ChargeResult charge(String seller, String jti, String scrip, String ledger, long amount) throws SQLException {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive, got " + amount);
        }
        return database.write(c -> {
            long now = clock.instant().getEpochSecond();
            try (PreparedStatement ps = c.prepareStatement("SELECT o.scrip, o.amount, o.redeemed, o.created_at,"
                    + " s.budget, o.voided_at IS NOT NULL, o.ledger FROM online_charges o"
                    + " JOIN scrip s ON s.jti = o.scrip"
                    + " WHERE o.seller = ? AND o.jti = ?")) {
                ps.setString(1, seller);
                ps.setString(2, jti);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (!rs.getString(1).equals(scrip) || rs.getLong(2) != amount
                                || !rs.getString(7).equals(ledger)) {
                            return ChargeResult.refused(ChargeStatus.CONFLICT);
                        }
                        if (rs.getBoolean(6)) {
                            return ChargeResult.refused(ChargeStatus.VOIDED);
                        }
                        return new ChargeResult(ChargeStatus.REPEATED, amount, rs.getLong(3), rs.getLong(5),
                                rs.getLong(4));
                    }
                }
            }
            if (VoidStore.tombstoned(c, seller, jti, now)) {
                return ChargeResult.refused(ChargeStatus.VOIDED);
            }
            ScripStore.HeldScrip held = ScripStore.held(c, scrip);
            if (held == null) {
                return ChargeResult.refused(ChargeStatus.UNKNOWN_SCRIP);
            }
            if (!held.seller().equals(seller)) {
                return ChargeResult.refused(ChargeStatus.WRONG_SELLER);
            }
            if (held.status().equals("returned") || held.expiresAt() <= now) {
                return ChargeResult.refused(ChargeStatus.EXPIRED);
            }
            long budget = held.budget();
            long redeemed = held.redeemed();
            if (amount > budget - redeemed) {
                return new ChargeResult(ChargeStatus.INSUFFICIENT_BUDGET, 0, redeemed, budget, 0);
            }
            if (!ScripLedgers.admits(c, scrip, ledger)) {
                return ChargeResult.refused(ChargeStatus.TOO_MANY_LEDGERS);
            }
            ScripStore.credit(c, scrip, held, ledger, "charge:" + jti, amount, now);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO online_charges (seller, jti, scrip, amount,"
                    + " redeemed, created_at, ledger) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, seller);
                ps.setString(2, jti);
                ps.setString(3, scrip);
                ps.setLong(4, amount);
                ps.setLong(5, redeemed + amount);
                ps.setLong(6, now);
                ps.setString(7, ledger);
                ps.executeUpdate();
            }
            return new ChargeResult(ChargeStatus.CHARGED, amount, redeemed + amount, budget, now);
        });
    }

    /**
     * Voids online charges of {@code seller} (docs/PROTOCOL.md section 7), in one transaction: see {@link VoidStore}.
     *
     * @return the results, or {@code null} if the seller would hold too many tombstones (nothing was voided)
     */
    List<VoidStore.Result> voidCharges(String seller, List<String> charges) throws SQLException {
        return database.write(c -> VoidStore.voidCharges(c, seller, charges, clock.instant().getEpochSecond()));
    }
}
