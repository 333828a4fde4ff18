package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The JDBC connection and prepared statements of one {@link SqliteLedger}. Not thread-safe: every use holds the
 * ledger's database lock. Opening it sets WAL mode and the synchronous level, and creates or checks the schema
 * ({@code PRAGMA user_version}).
 */
final class LedgerStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerStore.class);

    /** Bump with a migration step in {@link #migrate}. */
    static final int SCHEMA_VERSION = 6;

    static final String META_DB_ID = "db_id";
    static final String META_CHECKPOINT = "checkpoint";
    static final String META_SEGMENT_SLOTS = "segment_slots";

    private static final String[] SCHEMA_V2 = {
        """
        CREATE TABLE scrip (
            id         INTEGER PRIMARY KEY,
            issuer     TEXT    NOT NULL,
            jti        TEXT    NOT NULL,
            buyer      TEXT    NOT NULL,
            seller     TEXT    NOT NULL,
            budget     INTEGER NOT NULL CHECK (budget >= 0),
            currency   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            spent      INTEGER NOT NULL CHECK (spent >= 0 AND spent <= budget),
            settled    INTEGER NOT NULL CHECK (settled >= 0),
            first_seen INTEGER NOT NULL,
            UNIQUE (issuer, jti)
        )""",
        """
        CREATE TABLE resources (
            id   INTEGER PRIMARY KEY,
            path TEXT    NOT NULL UNIQUE
        )""",
        """
        CREATE TABLE charges (
            seq         INTEGER PRIMARY KEY,
            scrip_id    INTEGER NOT NULL,
            amount      INTEGER NOT NULL CHECK (amount >= 0),
            resource_id INTEGER NOT NULL,
            created_at  INTEGER NOT NULL,
            refunded_at INTEGER
        )""",
        "CREATE INDEX charges_scrip ON charges (scrip_id)",
        "CREATE INDEX scrip_unsettled ON scrip (first_seen) WHERE spent > settled",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID",
        """
        CREATE VIEW receipts AS
        SELECT printf('r-%s-%012x', (SELECT value FROM meta WHERE key = 'db_id'), c.seq) AS receipt_id,
               s.issuer, s.jti, c.amount, r.path AS resource, c.created_at, c.refunded_at, c.seq
        FROM charges c JOIN scrip s ON s.id = c.scrip_id LEFT JOIN resources r ON r.id = c.resource_id""",
    };

    /**
     * Version 3: streams (a charge may entitle its buyer to a stream until {@code entitled_until}) and PayWord chains
     * (the {@code chains} table; a chain's charges have {@code chain_id} set and {@code scrip_id} 0). A certificate
     * ({@code issuer, cert_id}) has at most one chain per root and per commitment {@code jti}, and its chains'
     * {@code length x unit} add up to at most its limit ({@code Chains} checks the sum at insertion).
     */
    private static final String[] SCHEMA_V3 = {
        "ALTER TABLE charges ADD COLUMN entitled_until INTEGER",
        "ALTER TABLE charges ADD COLUMN chain_id INTEGER",
        "CREATE INDEX scrip_buyer ON scrip (issuer, buyer)",
        """
        CREATE INDEX charges_entitlement ON charges (scrip_id, resource_id, entitled_until)
        WHERE entitled_until IS NOT NULL""",
        """
        CREATE TABLE chains (
            id            INTEGER PRIMARY KEY,
            issuer        TEXT    NOT NULL,
            commitment_id TEXT    NOT NULL,
            commitment    TEXT    NOT NULL,
            buyer         TEXT    NOT NULL,
            seller        TEXT    NOT NULL,
            length        INTEGER NOT NULL CHECK (length >= 1),
            unit          INTEGER NOT NULL CHECK (unit >= 1),
            currency      TEXT    NOT NULL,
            expires_at    INTEGER NOT NULL,
            root          BLOB    NOT NULL,
            head_index    INTEGER NOT NULL CHECK (head_index >= 0 AND head_index <= length),
            head_word     BLOB    NOT NULL,
            spent         INTEGER NOT NULL CHECK (spent >= 0 AND spent <= head_index * unit),
            settled_index INTEGER NOT NULL CHECK (settled_index >= 0 AND settled_index <= head_index),
            first_seen    INTEGER NOT NULL,
            cert_id       TEXT    NOT NULL,
            cert_limit    INTEGER NOT NULL CHECK (cert_limit >= length * unit),
            jti           TEXT    NOT NULL,
            UNIQUE (issuer, commitment_id),
            UNIQUE (issuer, cert_id, root),
            UNIQUE (issuer, cert_id, jti)
        )""",
        "CREATE INDEX chains_unsettled ON chains (first_seen) WHERE head_index > settled_index",
        "CREATE INDEX charges_chain ON charges (chain_id) WHERE chain_id IS NOT NULL",
        "DROP VIEW receipts",
        """
        CREATE VIEW receipts AS
        SELECT printf('r-%s-%012x', (SELECT value FROM meta WHERE key = 'db_id'), c.seq) AS receipt_id,
               coalesce(s.issuer, ch.issuer) AS issuer, coalesce(s.jti, ch.commitment_id) AS jti, c.amount,
               r.path AS resource, c.created_at, c.refunded_at, c.seq, c.entitled_until,
               c.chain_id IS NOT NULL AS on_chain
        FROM charges c
        LEFT JOIN scrip s ON s.id = c.scrip_id AND c.chain_id IS NULL
        LEFT JOIN chains ch ON ch.id = c.chain_id
        LEFT JOIN resources r ON r.id = c.resource_id""",
    };

    /**
     * Version 4: a chain settles what its requests consumed, not what its words paid, so credit paid ahead and never
     * used goes back to the buyer. {@code chains.settled} is what the broker has credited (micro-units); it starts at
     * what version 3 settled by index ({@code settled_index x unit}). A chain waits for settlement while
     * {@code spent > settled}. {@code settled_index} stays: the highest index the broker has verified.
     */
    private static final String[] SCHEMA_V4 = {
        "ALTER TABLE chains ADD COLUMN settled INTEGER NOT NULL DEFAULT 0 CHECK (settled >= 0)",
        "UPDATE chains SET settled = settled_index * unit",
        "DROP INDEX chains_unsettled",
        "CREATE INDEX chains_unsettled ON chains (first_seen) WHERE spent > settled",
    };

    /**
     * Version 6 (5 is the online voids' queue, {@link VoidQueue}): what each certificate's chains commit, kept with
     * every chain insertion, so refusing a chain that would pass the certificate's limit is one indexed lookup
     * instead of a scan of the certificate's chains (which an attacker could make long).
     */
    private static final String[] SCHEMA_V6_CERTIFICATES = {
        """
        CREATE TABLE certificates (
            issuer    TEXT    NOT NULL,
            cert_id   TEXT    NOT NULL,
            committed INTEGER NOT NULL CHECK (committed >= 0),
            PRIMARY KEY (issuer, cert_id)
        ) WITHOUT ROWID""",
        """
        INSERT INTO certificates (issuer, cert_id, committed)
        SELECT issuer, cert_id, SUM(length * unit) FROM chains GROUP BY issuer, cert_id""",
    };

    /** A chain of the certificate with this root (index {@code UNIQUE (issuer, cert_id, root)}). */
    static final String SELECT_CERTIFICATE_ROOT =
            "SELECT 1 FROM chains WHERE issuer = ? AND cert_id = ? AND root = ?";
    /** A chain of the certificate from a commitment with this {@code jti} ({@code UNIQUE (issuer, cert_id, jti)}). */
    static final String SELECT_CERTIFICATE_JTI =
            "SELECT 1 FROM chains WHERE issuer = ? AND cert_id = ? AND jti = ?";
    /** What the certificate's chains commit (primary key). */
    static final String SELECT_CERTIFICATE_COMMITTED =
            "SELECT committed FROM certificates WHERE issuer = ? AND cert_id = ?";

    final Connection connection;
    private final Path file;
    /** {@code synchronous=FULL}: every commit is on disk when it returns. */
    private final boolean fullSync;
    final PreparedStatement selectScripByKey;
    final PreparedStatement selectScripById;
    final PreparedStatement insertScrip;
    final PreparedStatement selectTotals;
    final PreparedStatement updateSpent;
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
        insertScrip = connection.prepareStatement("INSERT OR IGNORE INTO scrip (issuer, jti, buyer, seller, budget, "
                + "currency, expires_at, spent, settled, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)");
        selectTotals = connection.prepareStatement("SELECT budget, spent FROM scrip WHERE id = ?");
        updateSpent = connection.prepareStatement("UPDATE scrip SET spent = ? WHERE id = ?");
        updateSettled = connection.prepareStatement("UPDATE scrip SET settled = ? WHERE id = ?");
        insertResource = connection.prepareStatement("INSERT OR IGNORE INTO resources (path) VALUES (?)");
        selectResource = connection.prepareStatement("SELECT id FROM resources WHERE path = ?");
        insertCharge = connection.prepareStatement("INSERT OR IGNORE INTO charges (seq, scrip_id, amount, "
                + "resource_id, created_at, entitled_until, chain_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
        selectCharge = connection.prepareStatement("SELECT scrip_id, amount, resource_id, created_at, refunded_at, "
                + "entitled_until, chain_id FROM charges WHERE seq = ?");
        refundCharge = connection.prepareStatement(
                "UPDATE charges SET refunded_at = ? WHERE seq = ? AND refunded_at IS NULL");
        insertRefundedCharge = connection.prepareStatement("INSERT OR IGNORE INTO charges (seq, scrip_id, amount, "
                + "resource_id, created_at, refunded_at, chain_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
        selectUnsettled = connection.prepareStatement("SELECT issuer, jti, spent, settled FROM scrip "
                + "WHERE spent > settled ORDER BY first_seen, id LIMIT ?");
        selectMeta = connection.prepareStatement("SELECT value FROM meta WHERE key = ?");
        upsertMeta = connection.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
        // Live entitlements of one buyer to one stream, latest end first (indexes scrip_buyer, charges_entitlement).
        selectEntitlements = connection.prepareStatement("SELECT c.seq, c.entitled_until FROM scrip s "
                + "JOIN charges c ON c.scrip_id = s.id AND c.resource_id = ? AND c.entitled_until > ? "
                + "AND c.refunded_at IS NULL AND c.chain_id IS NULL WHERE s.issuer = ? AND s.buyer = ? "
                + "ORDER BY c.entitled_until DESC");
        selectChargeKey = connection.prepareStatement("SELECT s.issuer, s.buyer, r.path FROM scrip s, resources r "
                + "WHERE s.id = ? AND r.id = ?");
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
                + "head_word, spent, settled FROM chains WHERE spent > settled ORDER BY first_seen, id LIMIT ?");
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
            migrate(connection, file, segmentSlots);
            connection.setAutoCommit(false);
            return new LedgerStore(connection, file, durability == SqliteLedger.Durability.POWER_CUT_SAFE);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    private static void migrate(Connection connection, Path file, int segmentSlots) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int version;
            try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new SchemaVersionException(String.format(Locale.ROOT,
                        "ledger %s has schema version %d; this build knows up to %d", file, version, SCHEMA_VERSION));
            }
            if (version == SCHEMA_VERSION) {
                return;
            }
            if (version == 1) {
                // Decided: no conversion. Version 1 (the pre-journal layout) was never deployed, and its TEXT receipt
                // ids cannot be expressed as journal sequence numbers.
                throw new SchemaVersionException(String.format(Locale.ROOT,
                        "ledger %s has schema version 1 (the pre-journal layout), which this build does not convert; "
                                + "settle it with the broker, move it aside and start a new ledger file", file));
            }
            connection.setAutoCommit(false);
            try {
                if (version < 2) {
                    for (String ddl : SCHEMA_V2) {
                        statement.execute(ddl);
                    }
                    try (PreparedStatement meta = connection.prepareStatement(
                            "INSERT INTO meta (key, value) VALUES (?, ?)")) {
                        meta.setString(1, META_DB_ID);
                        meta.setString(2, HexFormat.of().toHexDigits(new SecureRandom().nextLong()));
                        meta.executeUpdate();
                        meta.setString(1, META_CHECKPOINT);
                        meta.setLong(2, 0);
                        meta.executeUpdate();
                        meta.setString(1, META_SEGMENT_SLOTS);
                        meta.setLong(2, segmentSlots);
                        meta.executeUpdate();
                    }
                }
                if (version < 3) {
                    for (String ddl : SCHEMA_V3) {
                        statement.execute(ddl);
                    }
                }
                if (version < 4) {
                    for (String ddl : SCHEMA_V4) {
                        statement.execute(ddl);
                    }
                }
                if (version < 5) {
                    for (String ddl : VoidQueue.SCHEMA_V5) {
                        statement.execute(ddl);
                    }
                }
                if (version < 6) {
                    for (String ddl : SCHEMA_V6_CERTIFICATES) {
                        statement.execute(ddl);
                    }
                }
                statement.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                connection.commit();
                if (version == 0) {
                    LOG.info("Ledger {} created with schema version {}", file, SCHEMA_VERSION);
                } else {
                    LOG.info("Ledger {} migrated from schema version {} to {}", file, version, SCHEMA_VERSION);
                }
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
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

    /** The database file is newer (or of a layout this code does not convert). Not retried. */
    static final class SchemaVersionException extends SQLException {
        private static final long serialVersionUID = 1L;

        SchemaVersionException(String message) {
            super(message);
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
