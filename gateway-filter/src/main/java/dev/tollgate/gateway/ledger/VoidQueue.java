package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbox of online voids of a {@link SqliteLedger} (schema version 5, in {@link LedgerSchema}): one
 * {@code online_voids} row per charge whose void the broker has not confirmed yet. Rare (an online charge whose
 * content failed, or whose broker answer was lost), so each call takes the database lock and prepares its
 * statement. Thread-safe.
 */
final class VoidQueue {

    private final LockedStore store;
    private final Materializer materializer;
    private final Refunds refunds;
    private final PendingRefunds pendingRefunds;
    private final ReceiptIds receipts;

    VoidQueue(LockedStore store, Materializer materializer, Refunds refunds, PendingRefunds pendingRefunds,
              ReceiptIds receipts) {
        this.store = store;
        this.materializer = materializer;
        this.refunds = refunds;
        this.pendingRefunds = pendingRefunds;
        this.receipts = receipts;
    }

    void queue(long seq, String receiptId) throws LedgerUnavailableException {
        Refunds.StoredCharge charge = refunds.find(seq);
        if (charge == null) {
            throw new IllegalArgumentException("no such receipt: " + receiptId);
        }
        if (charge.chain()) {
            throw new IllegalArgumentException("receipt " + receiptId + " is a PayWord charge, never an online one");
        }
        store.withDb("ledger write failed", db -> {
            try (PreparedStatement ps = db.connection.prepareStatement("INSERT OR IGNORE INTO online_voids "
                    + "(seq, scrip_id, amount, queued_at) VALUES (?, ?, ?, ?)")) {
                ps.setLong(1, seq);
                ps.setLong(2, charge.accountId());
                ps.setLong(3, charge.amount());
                ps.setLong(4, System.currentTimeMillis());
                ps.executeUpdate();
            }
            db.commit();
            return null;
        });
    }

    /**
     * {@link Ledger#pendingVoids}: of {@code issuer}'s scrip, or of all if it is {@code null}; oldest first, after
     * folding in what is ready, so a refund shows as such.
     */
    List<PendingVoid> pending(String issuer, int limit) throws LedgerUnavailableException {
        return store.withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return pending(db, issuer, limit);
        });
    }

    private List<PendingVoid> pending(LedgerStore db, String issuer, int limit) throws SQLException {
        List<PendingVoid> pending = new ArrayList<>();
        try (PreparedStatement ps = db.connection.prepareStatement("SELECT v.seq, s.issuer, s.jti, v.amount, "
                + "v.queued_at, c.refunded_at IS NOT NULL FROM online_voids v JOIN scrip s ON s.id = v.scrip_id "
                + "LEFT JOIN charges c ON c.seq = v.seq WHERE (? IS NULL OR s.issuer = ?) "
                + "ORDER BY v.queued_at, v.seq LIMIT ?")) {
            ps.setString(1, issuer);
            ps.setString(2, issuer);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    pending.add(new PendingVoid(receipts.format(seq), rs.getString(2), rs.getString(3),
                            rs.getLong(4), Instant.ofEpochMilli(rs.getLong(5)),
                            rs.getBoolean(6) || pendingRefunds.inJournal(seq)));
                }
            }
        }
        db.commit();
        return List.copyOf(pending);
    }

    /** {@link Ledger#voidConfirmed} of the charge in slot {@code seq}. */
    void confirmed(long seq) throws LedgerUnavailableException {
        store.withDb("ledger write failed", db -> {
            try (PreparedStatement ps = db.connection.prepareStatement("DELETE FROM online_voids WHERE seq = ?")) {
                ps.setLong(1, seq);
                ps.executeUpdate();
            }
            db.commit();
            return null;
        });
    }
}
