package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Scrip to charge and a direct look into a ledger file, for the ledger tests. */
final class LedgerFixtures {

    static final String ISSUER = "https://broker.example";
    /** No background fold (a pass every 10 minutes, never woken by a full batch): the journal keeps its records. */
    static final LedgerTuning NO_BACKGROUND_FOLD = LedgerTuning.DEFAULTS
            .withMaterializeIntervalMillis(600_000).withMaterializeBatch(1 << 30);

    private LedgerFixtures() {
    }

    static ScripAccount scrip(String jti, long budgetMicros) {
        return new ScripAccount(ISSUER, jti, "buyer-" + jti, "seller-1", budgetMicros, "EUR",
                Instant.parse("2030-01-01T00:00:00Z"));
    }

    static Connection connect(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    /** One receipt as stored. */
    record StoredCharge(String issuer, String jti, long amount, boolean refunded) {
    }

    /** One scrip row as stored. */
    record StoredScrip(long budget, long spent, long settled) {
    }

    /** Every receipt as stored in SQLite (the {@code receipts} view over {@code charges}). */
    static Map<String, StoredCharge> charges(Path file) throws SQLException {
        Map<String, StoredCharge> charges = new HashMap<>();
        try (Connection c = connect(file);
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT receipt_id, issuer, jti, amount, refunded_at FROM receipts")) {
            while (rs.next()) {
                charges.put(rs.getString(1), new StoredCharge(rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getObject(5) != null));
            }
        }
        return charges;
    }

    /** The stored row of a scrip, or {@code null}. */
    static StoredScrip stored(Path file, String jti) throws SQLException {
        try (Connection c = connect(file);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT budget, spent, settled FROM scrip WHERE issuer = ? AND jti = ?")) {
            ps.setString(1, ISSUER);
            ps.setString(2, jti);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new StoredScrip(rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
            }
        }
    }

    /**
     * Makes the writer of one journal slot stall between its reservation and its segment lookup, as a thread that
     * died or was descheduled there, until {@link #resume}.
     */
    static final class Stall {
        private final CountDownLatch reserved = new CountDownLatch(1);
        private final CountDownLatch resume = new CountDownLatch(1);

        static Stall atSlot(SqliteLedger ledger, long slot) {
            Stall stall = new Stall();
            ledger.onJournalReserved(seq -> {
                if (seq == slot) {
                    stall.reserved.countDown();
                    try {
                        stall.resume.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            return stall;
        }

        /** Waits until the writer holds its slot, then lets every later append through. */
        void awaitReserved(SqliteLedger ledger) throws InterruptedException {
            if (!reserved.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the slot was never reserved");
            }
            ledger.onJournalReserved(null);
        }

        void resume() {
            resume.countDown();
        }
    }

    /** Sum of the non-refunded charges stored for a scrip. */
    static long netCharged(Path file, String jti) throws SQLException {
        return charges(file).values().stream()
                .filter(c -> c.jti().equals(jti) && !c.refunded())
                .mapToLong(StoredCharge::amount)
                .sum();
    }
}
