package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The JDBC connection and prepared statements of one {@link SqliteLedger}. Not thread-safe: every use holds the
 * ledger's database lock. Opening it sets WAL mode and the synchronous level, and creates, migrates or refuses the
 * schema ({@link LedgerSchema}).
 */
final class LedgerStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerStore.class);

    static final String META_DB_ID = "db_id";
    static final String META_CHECKPOINT = "checkpoint";
    static final String META_SEGMENT_SLOTS = "segment_slots";

    /** A chain of the certificate with this root (index {@code UNIQUE (issuer, cert_id, root)}). */
    static final String SELECT_CERTIFICATE_ROOT =
            "SELECT 1 FROM chains WHERE issuer = ? AND cert_id = ? AND root = ?";
    /** A chain of the certificate from a commitment with this {@code jti} ({@code UNIQUE (issuer, cert_id, jti)}). */
    static final String SELECT_CERTIFICATE_JTI =
            "SELECT 1 FROM chains WHERE issuer = ? AND cert_id = ? AND jti = ?";
    /** What the certificate's chains commit (primary key). */
    static final String SELECT_CERTIFICATE_COMMITTED =
            "SELECT committed FROM certificates WHERE issuer = ? AND cert_id = ?";

    /**
     * Scrip rows read or written by one statement of the fold; a shorter run repeats its last row, which changes
     * nothing (an {@code IN} list with a duplicate, an {@code UPDATE ... FROM} joining one row twice to the same value).
     */
    static final int TOTALS_PER_STATEMENT = 64;

    final Connection connection;
    private final Path file;
    /** {@code synchronous=FULL}: every commit is on disk when it returns. */
    private final boolean fullSync;
    final PreparedStatement selectScripByKey;
    final PreparedStatement selectScripById;
    final PreparedStatement selectScripAccount;
    final PreparedStatement insertScrip;
    final PreparedStatement selectTotals;
    /** {@link #TOTALS_PER_STATEMENT} scrip ids in; their {@code id, budget, spent} out. */
    final PreparedStatement selectTotalsOfMany;
    /** {@link #TOTALS_PER_STATEMENT} {@code (id, spent)} pairs: each row's {@code spent} set. */
    final PreparedStatement updateSpentOfMany;
    final PreparedStatement updateSettled;
    final PreparedStatement insertResource;
    final PreparedStatement selectResource;
    final PreparedStatement insertCharge;
    final PreparedStatement selectCharge;
    final PreparedStatement refundCharge;
    final PreparedStatement insertRefundedCharge;
    final PreparedStatement selectUnsettled;
    final PreparedStatement selectMeta;
    final PreparedStatement upsertMeta;
    final PreparedStatement selectEntitlements;
    final PreparedStatement selectChargeKey;
    final PreparedStatement selectPaymentIds;
    final PreparedStatement upsertServed;
    final PreparedStatement deleteServedBefore;
    /** When a replay last deleted the expired {@code served} rows (PaymentIds); under the database lock. */
    long servedPurgedAtMillis = Long.MIN_VALUE / 2;
    final PreparedStatement selectServed;
    final PreparedStatement insertChain;
    /** Point lookups in the chains of one certificate, to refuse a new chain that breaks them (never a scan). */
    final PreparedStatement selectCertificateRoot;
    final PreparedStatement selectCertificateJti;
    final PreparedStatement selectCertificateCommitted;
    final PreparedStatement addCertificateCommitted;
    final PreparedStatement selectChainByKey;
    final PreparedStatement selectChainById;
    final PreparedStatement selectChainTotals;
    final PreparedStatement updateChainTotals;
    final PreparedStatement selectCommitment;
    final PreparedStatement selectUnsettledChains;
    final PreparedStatement updateChainSettled;

    private LedgerStore(Connection connection, Path file, boolean fullSync) throws SQLException {
        this.connection = connection;
        this.file = file;
        this.fullSync = fullSync;
        selectScripByKey = connection.prepareStatement(
                "SELECT id, budget, spent, settled, expires_at FROM scrip WHERE issuer = ? AND jti = ?");
        selectScripById = connection.prepareStatement(
                "SELECT issuer, jti, budget, spent, expires_at FROM scrip WHERE id = ?");
        selectScripAccount = connection.prepareStatement(
                "SELECT buyer, seller, budget, currency, expires_at FROM scrip WHERE issuer = ? AND jti = ?");
        insertScrip = connection.prepareStatement("INSERT OR IGNORE INTO scrip (issuer, jti, buyer, seller, budget, "
                + "currency, expires_at, spent, settled, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)");
        selectTotals = connection.prepareStatement("SELECT budget, spent FROM scrip WHERE id = ?");
        selectTotalsOfMany = connection.prepareStatement("SELECT id, budget, spent FROM scrip WHERE id IN ("
                + String.join(", ", java.util.Collections.nCopies(TOTALS_PER_STATEMENT, "?")) + ")");
        // One statement for many rows (a loop over the VALUES, each a rowid lookup): a pass of 1,000 buyers writes
        // its totals in 16 statements instead of 1,000.
        updateSpentOfMany = connection.prepareStatement("UPDATE scrip SET spent = v.column2 FROM (VALUES "
                + String.join(", ", java.util.Collections.nCopies(TOTALS_PER_STATEMENT, "(?, ?)"))
                + ") AS v WHERE scrip.id = v.column1");
        updateSettled = connection.prepareStatement("UPDATE scrip SET settled = ? WHERE id = ?");
        insertResource = connection.prepareStatement("INSERT OR IGNORE INTO resources (path) VALUES (?)");
        selectResource = connection.prepareStatement("SELECT id FROM resources WHERE path = ?");
        insertCharge = connection.prepareStatement("INSERT OR IGNORE INTO charges (seq, scrip_id, amount, "
                + "resource_id, created_at, entitled_until, chain_id, payment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        selectCharge = connection.prepareStatement("SELECT scrip_id, amount, resource_id, created_at, refunded_at, "
                + "entitled_until, chain_id, payment_id FROM charges WHERE seq = ?");
        refundCharge = connection.prepareStatement(
                "UPDATE charges SET refunded_at = ? WHERE seq = ? AND refunded_at IS NULL");
        insertRefundedCharge = connection.prepareStatement("INSERT OR IGNORE INTO charges (seq, scrip_id, amount, "
                + "resource_id, created_at, refunded_at, chain_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
        // Of one issuer, or of all when it is bound to null.
        selectUnsettled = connection.prepareStatement("SELECT issuer, jti, spent, settled FROM scrip "
                + "WHERE spent > settled AND (? IS NULL OR issuer = ?) ORDER BY first_seen, id LIMIT ?");
        selectMeta = connection.prepareStatement("SELECT value FROM meta WHERE key = ?");
        upsertMeta = connection.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
        // Live entitlements of one buyer to one stream, latest end first (indexes scrip_buyer, charges_entitlement).
        selectEntitlements = connection.prepareStatement("SELECT c.seq, c.entitled_until FROM scrip s "
                + "JOIN charges c ON c.scrip_id = s.id AND c.resource_id = ? AND c.entitled_until > ? "
                + "AND c.refunded_at IS NULL AND c.chain_id IS NULL WHERE s.issuer = ? AND s.buyer = ? "
                + "ORDER BY c.entitled_until DESC");
        selectChargeKey = connection.prepareStatement("SELECT s.issuer, s.buyer, r.path FROM scrip s, resources r "
                + "WHERE s.id = ? AND r.id = ?");
        // Charges made under a payment identifier since the window's start and not refunded (charges_payment_id).
        selectPaymentIds = connection.prepareStatement("SELECT seq, scrip_id, chain_id, resource_id, amount, "
                + "created_at, payment_id FROM charges WHERE payment_id IS NOT NULL AND created_at >= ? "
                + "AND refunded_at IS NULL");
        upsertServed = connection.prepareStatement("INSERT OR REPLACE INTO served (seq, served_at) VALUES (?, ?)");
        deleteServedBefore = connection.prepareStatement("DELETE FROM served WHERE served_at < ?");
        selectServed = connection.prepareStatement("SELECT seq FROM served WHERE served_at >= ?");
        insertChain = connection.prepareStatement("INSERT INTO chains (issuer, commitment_id, commitment, "
                + "buyer, seller, length, unit, currency, expires_at, root, head_index, head_word, spent, "
                + "settled_index, first_seen, cert_id, cert_limit, jti) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0, 0, ?, ?, ?, ?)");
        selectCertificateRoot = connection.prepareStatement(SELECT_CERTIFICATE_ROOT);
        selectCertificateJti = connection.prepareStatement(SELECT_CERTIFICATE_JTI);
        selectCertificateCommitted = connection.prepareStatement(SELECT_CERTIFICATE_COMMITTED);
        addCertificateCommitted = connection.prepareStatement("INSERT INTO certificates (issuer, cert_id, committed) "
                + "VALUES (?, ?, ?) ON CONFLICT (issuer, cert_id) "
                + "DO UPDATE SET committed = committed + excluded.committed");
        selectChainByKey = connection.prepareStatement("SELECT id, length, unit, head_index, head_word, spent, "
                + "expires_at FROM chains WHERE issuer = ? AND commitment_id = ?");
        selectChainById = connection.prepareStatement("SELECT issuer, commitment_id FROM chains WHERE id = ?");
        selectChainTotals = connection.prepareStatement(
                "SELECT unit, length, head_index, head_word, spent FROM chains WHERE id = ?");
        updateChainTotals = connection.prepareStatement(
                "UPDATE chains SET head_index = ?, head_word = ?, spent = ? WHERE id = ?");
        selectCommitment = connection.prepareStatement(
                "SELECT commitment FROM chains WHERE issuer = ? AND commitment_id = ?");
        selectUnsettledChains = connection.prepareStatement("SELECT issuer, commitment_id, commitment, head_index, "
                + "head_word, spent, settled FROM chains WHERE spent > settled AND (? IS NULL OR issuer = ?) "
                + "ORDER BY first_seen, id LIMIT ?");
        updateChainSettled = connection.prepareStatement("UPDATE chains SET settled = max(settled, ?), "
                + "settled_index = max(settled_index, ?) WHERE issuer = ? AND commitment_id = ?");
    }

    static LedgerStore open(Path file, SqliteLedger.Durability durability, int busyTimeoutMillis, int segmentSlots)
            throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(busyTimeoutMillis);
        Connection connection = config.createConnection("jdbc:sqlite:" + file);
        try {
            try (Statement statement = connection.createStatement()) {
                try (ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
                    String actual = mode.next() ? mode.getString(1) : null;
                    if (!"wal".equalsIgnoreCase(actual)) {
                        throw new SQLException("cannot switch " + file + " to WAL mode (journal_mode=" + actual + ")");
                    }
                }
                statement.execute("PRAGMA synchronous = " + durability.synchronous());
            }
            LedgerSchema.migrate(connection, file, segmentSlots);
            connection.setAutoCommit(false);
            return new LedgerStore(connection, file, durability == SqliteLedger.Durability.POWER_CUT_SAFE);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    String metaText(String key) throws SQLException {
        selectMeta.setString(1, key);
        try (ResultSet rs = selectMeta.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("ledger meta value " + key + " is missing");
            }
            return rs.getString(1);
        }
    }

    long metaLong(String key) throws SQLException {
        selectMeta.setString(1, key);
        try (ResultSet rs = selectMeta.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("ledger meta value " + key + " is missing");
            }
            return rs.getLong(1);
        }
    }

    void setMeta(String key, long value) throws SQLException {
        upsertMeta.setString(1, key);
        upsertMeta.setLong(2, value);
        upsertMeta.executeUpdate();
    }

    /** Ends the current transaction (also a read-only one, so WAL checkpoints are not held back). */
    void commit() throws SQLException {
        connection.commit();
    }

    /**
     * Commits, and makes every commit so far survive a power cut. With {@code synchronous=NORMAL} a commit is only
     * in the page cache; this forces the WAL and database files (we are the only writer, under the database lock, so
     * what they hold now is every commit so far) and their directory. Called before journal files are deleted
     * wholesale (recovery, close), when the checkpoint becomes the only record of the sequence numbers handed out.
     */
    void commitDurably() throws SQLException {
        connection.commit();
        if (fullSync) {
            return;
        }
        try {
            for (Path path : new Path[] {file.resolveSibling(file.getFileName() + "-wal"), file}) {
                if (Files.exists(path)) {
                    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
            }
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException | RuntimeException e) {
            throw new SQLException("cannot sync the ledger database " + file + ": " + e, e);
        }
    }

    /** Rolls back; {@code false} if even that failed (the connection should be replaced). */
    boolean rollbackQuietly() {
        try {
            connection.rollback();
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.error("Ledger rollback failed", e);
            return false;
        }
    }

    @Override
    public void close() {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("Closing the ledger connection failed", e);
        }
    }
}
