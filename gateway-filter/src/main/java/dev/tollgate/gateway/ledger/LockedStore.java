package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's {@link LedgerStore} behind its database lock: every SQLite access holds the lock (each materializer
 * pass too), a failure rolls back, and a failed rollback reopens the connection on next use. Also the ledger's open
 * and closed flags, which the collaborators check after waiting for a lock. Thread-safe.
 */
final class LockedStore {

    // Logs as the ledger did before this class was split out of it.
    private static final Logger LOG = LoggerFactory.getLogger(SqliteLedger.class);

    /** SQLite work under the database lock; a failure rolls back and becomes {@code LedgerUnavailableException}. */
    interface Work<T> {
        T run(LedgerStore db) throws SQLException, LedgerUnavailableException;
    }

    private final Path file;
    private final SqliteLedger.Durability durability;
    private final int busyTimeoutMillis;
    private final int segmentSlots;
    private final long waitTimeoutNanos;
    /** Set when {@code close} begins: no operation is taken any more. Shared with the ledger. */
    private final AtomicBoolean closing;
    /** Guards the connection and every SQLite access; held by each materializer pass. */
    private final ReentrantLock lock = new ReentrantLock();
    private LedgerStore store;
    private volatile boolean closed;

    LockedStore(Path file, SqliteLedger.Durability durability, int busyTimeoutMillis, int segmentSlots,
                long waitTimeoutNanos, AtomicBoolean closing, LedgerStore store) {
        this.file = file;
        this.durability = durability;
        this.busyTimeoutMillis = busyTimeoutMillis;
        this.segmentSlots = segmentSlots;
        this.waitTimeoutNanos = waitTimeoutNanos;
        this.closing = closing;
        this.store = store;
    }

    Path file() {
        return file;
    }

    long waitTimeoutNanos() {
        return waitTimeoutNanos;
    }

    void ensureOpen() throws LedgerUnavailableException {
        if (closing.get()) {
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
    }

    /** Whether the database is closed (the end of {@code close}). */
    boolean closed() {
        return closed;
    }

    <T> T withDb(String failure, Work<T> work) throws LedgerUnavailableException {
        lockDb();
        try {
            LedgerStore db = store();
            try {
                return work.run(db);
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException(failure + ": " + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code lock} within the wait timeout, else fails closed with {@code busy}. */
    static void acquire(ReentrantLock lock, long timeoutNanos, String busy) throws LedgerUnavailableException {
        try {
            if (!lock.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) {
                throw new LedgerUnavailableException(busy);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted waiting for the ledger");
        }
    }

    private void lockDb() throws LedgerUnavailableException {
        acquire(lock, waitTimeoutNanos, "ledger database stayed busy");
        if (closed) {
            lock.unlock();
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
    }

    /** Takes the database lock without a timeout (the materializer's passes, open and close). */
    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** The connection, reopened after a failed rollback. Database lock held. */
    LedgerStore store() throws LedgerUnavailableException {
        if (store == null) {
            try {
                store = LedgerStore.open(file, durability, busyTimeoutMillis, segmentSlots);
                LOG.info("Ledger {} reconnected", file);
            } catch (SQLException e) {
                throw new LedgerUnavailableException("cannot reopen the ledger database: " + e.getMessage(), e);
            }
        }
        return store;
    }

    /** Rolls back; if that fails, closes the connection so the next use reopens it. Database lock held. */
    void rollback(LedgerStore db) {
        if (!db.rollbackQuietly()) {
            db.close();
            if (store == db) {
                store = null;
            }
        }
    }

    /** Closes the connection for good; later calls fail closed. Database lock held. */
    void close() {
        if (store != null) {
            store.close();
            store = null;
        }
        closed = true;
    }
}
