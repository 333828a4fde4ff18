package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
    private final Refunds refunds;
    private final PendingRefunds pendingRefunds;
    private final ReceiptIds receipts;

    VoidQueue(LockedStore store, Refunds refunds, PendingRefunds pendingRefunds, ReceiptIds receipts) {
        this.store = store;
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

    /** Oldest first; the materializer has folded in what it could, so a refund shows as such. Database lock held. */
    List<PendingVoid> pending(LedgerStore db, int limit) throws java.sql.SQLException {
        List<PendingVoid> pending = new ArrayList<>();
        try (PreparedStatement ps = db.connection.prepareStatement("SELECT v.seq, s.issuer, s.jti, v.amount, "
                + "v.queued_at, c.refunded_at IS NOT NULL FROM online_voids v JOIN scrip s ON s.id = v.scrip_id "
                + "LEFT JOIN charges c ON c.seq = v.seq ORDER BY v.queued_at, v.seq LIMIT ?")) {
            ps.setInt(1, limit);
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

    /** Database lock held. */
    static void confirmed(LedgerStore db, long seq) throws java.sql.SQLException {
        try (PreparedStatement ps = db.connection.prepareStatement("DELETE FROM online_voids WHERE seq = ?")) {
            ps.setLong(1, seq);
            ps.executeUpdate();
        }
        db.commit();
    }
}
