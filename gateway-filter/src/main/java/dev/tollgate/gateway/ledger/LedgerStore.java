package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The JDBC connection and the prepared statements of one {@link SqliteLedger}, owned by its writer thread. Opening it
 * sets WAL mode and the synchronous level, and creates or checks the schema ({@code PRAGMA user_version}).
 */
final class LedgerStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerStore.class);

    /** Bump with a migration step in {@link #migrate}. */
    static final int SCHEMA_VERSION = 1;

    private static final String[] SCHEMA_V1 = {
        """
        CREATE TABLE IF NOT EXISTS scrip (
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
            PRIMARY KEY (issuer, jti)
        ) WITHOUT ROWID""",
        """
        CREATE TABLE IF NOT EXISTS charges (
            receipt_id  TEXT    NOT NULL PRIMARY KEY,
            issuer      TEXT    NOT NULL,
            jti         TEXT    NOT NULL,
            amount      INTEGER NOT NULL CHECK (amount >= 0),
            resource    TEXT    NOT NULL,
            created_at  INTEGER NOT NULL,
            refunded_at INTEGER
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS scrip_unsettled ON scrip (first_seen) WHERE spent > settled",
    };

    final Connection connection;
    final PreparedStatement selectScrip;
    final PreparedStatement insertScrip;
    final PreparedStatement updateScrip;
    final PreparedStatement insertCharge;
    final PreparedStatement selectCharge;
    final PreparedStatement refundCharge;
    final PreparedStatement selectUnsettled;

    private LedgerStore(Connection connection) throws SQLException {
        this.connection = connection;
        selectScrip = connection.prepareStatement("SELECT budget, spent, settled FROM scrip WHERE issuer = ? AND jti = ?");
        insertScrip = connection.prepareStatement("INSERT INTO scrip (issuer, jti, buyer, seller, budget, currency, "
                + "expires_at, spent, settled, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        // Compare-and-set on the committed totals: a row changed behind the writer's back fails the batch.
        updateScrip = connection.prepareStatement("UPDATE scrip SET spent = ?, settled = ? "
                + "WHERE issuer = ? AND jti = ? AND spent = ? AND settled = ?");
        insertCharge = connection.prepareStatement("INSERT INTO charges (receipt_id, issuer, jti, amount, resource, "
                + "created_at) VALUES (?, ?, ?, ?, ?, ?)");
        selectCharge = connection.prepareStatement(
                "SELECT issuer, jti, amount, refunded_at FROM charges WHERE receipt_id = ?");
        refundCharge = connection.prepareStatement(
                "UPDATE charges SET refunded_at = ? WHERE receipt_id = ? AND refunded_at IS NULL");
        selectUnsettled = connection.prepareStatement("SELECT issuer, jti, spent, settled FROM scrip "
                + "WHERE spent > settled ORDER BY first_seen LIMIT ?");
    }

    static LedgerStore open(Path file, SqliteLedger.Durability durability, int busyTimeoutMillis) throws SQLException {
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
            migrate(connection, file);
            connection.setAutoCommit(false);
            return new LedgerStore(connection);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
    }

    private static void migrate(Connection connection, Path file) throws SQLException {
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
            connection.setAutoCommit(false);
            try {
                if (version < 1) {
                    for (String ddl : SCHEMA_V1) {
                        statement.execute(ddl);
                    }
                }
                // Later versions: "if (version < 2) { ALTER ... }" here.
                statement.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                connection.commit();
                LOG.info("Ledger {} migrated from schema version {} to {}", file, version, SCHEMA_VERSION);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** The database file is newer than this code. Not retried. */
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
