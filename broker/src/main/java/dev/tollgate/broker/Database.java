package dev.tollgate.broker;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.sqlite.SQLiteConfig;

/**
 * The broker's SQLite database: one connection, its lock and its transactions. What the tables mean belongs to the
 * classes that read and write them ({@link Accounts}, {@link SellerRegistry}, {@link ScripStore},
 * {@link Redemptions}, {@link ChargeStore}, {@link ExpiryReturns}, {@link Statements}, {@link PayWordStore} and
 * others); they run their statements inside the transactions opened here, and an operation that must move money
 * atomically is one {@link #write}.
 *
 * <p>WAL journal, {@code synchronous=FULL} (a committed reservation survives a power cut), foreign keys on, STRICT
 * tables with {@code CHECK} constraints so that no balance can go negative even through a bug. {@link #open} applies
 * the missing migrations ({@link Schema}) in one transaction and refuses a database newer than this code.
 *
 * <p>One connection, used under this object's lock: in-process writers are serialized, and writes are
 * {@code BEGIN IMMEDIATE} transactions, so another process (an admin command) waits on SQLite's busy timeout
 * instead of failing. Thread-safe.
 */
final class Database implements AutoCloseable {

    static final String FILE = "broker.db";
    /** How long a write waits for another connection (such as an administrative command) to release the database. */
    static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(10);

    private final Connection connection;

    private Database(Connection connection) {
        this.connection = connection;
    }

    /** Opens and migrates {@code file}; a write waits at most {@code busyTimeout} for another connection's lock. */
    static Database open(Path file, Duration busyTimeout) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
        Connection connection = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Database database = new Database(connection);
        try {
            database.write(c -> {
                Schema.migrate(c, file);
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return database;
    }

    @Override
    public synchronized void close() throws SQLException {
        connection.close();
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in a {@code BEGIN IMMEDIATE} transaction under this database's lock. */
    synchronized <T> T write(Work<T> work) throws SQLException {
        return transaction("BEGIN IMMEDIATE", work);
    }

    /** Runs {@code work} in a read transaction (one snapshot) under this database's lock. */
    synchronized <T> T read(Work<T> work) throws SQLException {
        return transaction("BEGIN", work);
    }

    /** Runs a single query under this database's lock without a transaction of its own: one statement is atomic. */
    synchronized <T> T query(Work<T> work) throws SQLException {
        return work.run(connection);
    }

    /**
     * Runs {@code work} between {@code begin} and COMMIT. If the work or the COMMIT fails, the transaction is rolled
     * back: a COMMIT can fail and leave the transaction open (a deferred constraint, an I/O error), and an open
     * transaction would refuse every later BEGIN on this one connection.
     */
    private <T> T transaction(String begin, Work<T> work) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(begin);
            try {
                T result = work.run(connection);
                st.execute("COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(st);
                throw e;
            }
        }
    }

    private static void rollback(Statement st) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            // The transaction is already gone (SQLite rolls back on some errors by itself).
        }
    }

    /** Runs an UPDATE that must change exactly one row; anything else is a broken invariant (rolled back). */
    static void update(Connection c, String sql, Object... args) throws SQLException {
        if (execute(c, sql, args) != 1) {
            throw new SQLException("invariant violated, rolled back: " + sql);
        }
    }

    /** Runs an INSERT, UPDATE or DELETE with {@code args}. @return how many rows it changed */
    static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }
}
