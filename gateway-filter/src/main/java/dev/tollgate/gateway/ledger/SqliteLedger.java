package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger: one SQLite database file in WAL mode, written with group commit.
 *
 * <p>One writer thread owns the connection and is the only decision maker. Callers enqueue their operation and park;
 * the writer drains up to {@value #MAX_BATCH} queued operations into one transaction, decides each charge in queue
 * order against per-scrip totals it keeps in memory (loaded from the database on first use), writes the rows,
 * commits, and only then wakes the callers. A {@link ChargeResult.Charged} is therefore committed before it is
 * returned, and many charges share one fsync.
 *
 * <p>Failures fail closed: if anything in a batch fails, the batch is rolled back, the totals it changed are
 * reloaded from the database on next use, and every caller in it gets {@link LedgerUnavailableException}. A caller
 * also gets it when the ledger is closed, and after waiting {@value #DEFAULT_WAIT_MILLIS} ms (then a charge's outcome
 * is unknown: it may still be recorded, so the buyer may pay for a response that was not served, never the reverse).
 *
 * <p>A charge of 0 is allowed: it records a receipt and takes nothing from the budget. Expiry is not checked here;
 * the caller verifies the scrip before charging.
 *
 * <p>Use one instance per database file. A second writer on the same file (another instance or process) cannot
 * overspend, since every total is written as a compare-and-set on the committed value, but it makes batches of both
 * fail and reload. Other connections may read the file at any time (WAL).
 *
 * @since 0.1
 */
public final class SqliteLedger implements Ledger {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteLedger.class);
    private static final int MAX_BATCH = 512;
    private static final long DEFAULT_WAIT_MILLIS = 10_000;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** What a {@link ChargeResult.Charged} survives once returned. */
    public enum Durability {
        /** {@code synchronous=FULL}: every commit is fsynced; survives a killed process, an OS crash and a power cut. */
        POWER_CUT_SAFE("FULL"),
        /**
         * {@code synchronous=NORMAL}: commits reach the OS but are fsynced only at checkpoints; survives a killed
         * process, but an OS crash or power cut may lose the last acknowledged charges (never corrupts the file).
         */
        PROCESS_CRASH_SAFE("NORMAL");

        private final String synchronous;

        Durability(String synchronous) {
            this.synchronous = synchronous;
        }

        String synchronous() {
            return synchronous;
        }
    }

    /** Knobs tests turn; production uses {@link #DEFAULTS}. */
    record Tuning(int maxBatch, int queueCapacity, int cacheCapacity, long waitTimeoutMillis, int busyTimeoutMillis) {
        static final Tuning DEFAULTS = new Tuning(MAX_BATCH, 16_384, 65_536, DEFAULT_WAIT_MILLIS, 2_000);

        Tuning {
            if (maxBatch < 1 || queueCapacity < 1 || waitTimeoutMillis < 1 || busyTimeoutMillis < 0) {
                throw new IllegalArgumentException("invalid tuning " + maxBatch + "/" + queueCapacity + "/"
                        + waitTimeoutMillis + "/" + busyTimeoutMillis);
            }
            if (cacheCapacity < 2 * maxBatch) {
                // A batch must never evict a total it has changed but not yet committed.
                throw new IllegalArgumentException("cacheCapacity must be at least 2 * maxBatch");
            }
        }

        Tuning withWaitTimeoutMillis(long millis) {
            return new Tuning(maxBatch, queueCapacity, cacheCapacity, millis, busyTimeoutMillis);
        }

        Tuning withBusyTimeoutMillis(int millis) {
            return new Tuning(maxBatch, queueCapacity, cacheCapacity, waitTimeoutMillis, millis);
        }
    }

    private final Path file;
    private final BlockingQueue<LedgerOp> queue;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final LedgerWriter writer;
    private final Thread writerThread;
    private final long waitTimeoutNanos;

    private SqliteLedger(Path file, LedgerStore store, Durability durability, Tuning tuning) {
        this.file = file;
        this.queue = new LinkedBlockingQueue<>(tuning.queueCapacity());
        this.waitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(tuning.waitTimeoutMillis());
        this.writer = new LedgerWriter(file, durability, tuning, store, queue, closing,
                new ReceiptIds(new SecureRandom()));
        this.writerThread = new Thread(writer, "tollgate-ledger-writer-" + INSTANCES.incrementAndGet());
        writerThread.setDaemon(true);
    }

    /** Opens (or creates) the ledger at {@code databaseFile} with {@link Durability#POWER_CUT_SAFE}. */
    public static SqliteLedger open(Path databaseFile) {
        return open(databaseFile, Durability.POWER_CUT_SAFE);
    }

    /**
     * Opens (or creates, with its parent directories) the ledger at {@code databaseFile}.
     *
     * @throws IllegalStateException if the file cannot be opened or has a schema newer than this code
     */
    public static SqliteLedger open(Path databaseFile, Durability durability) {
        return open(databaseFile, durability, Tuning.DEFAULTS);
    }

    static SqliteLedger open(Path databaseFile, Durability durability, Tuning tuning) {
        Objects.requireNonNull(databaseFile, "databaseFile cannot be null.");
        Objects.requireNonNull(durability, "durability cannot be null.");
        Objects.requireNonNull(tuning, "tuning cannot be null.");
        Path file = databaseFile.toAbsolutePath().normalize();
        LedgerStore store;
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            store = LedgerStore.open(file, durability, tuning.busyTimeoutMillis());
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot open the ledger at " + file + ": " + e.getMessage(), e);
        }
        SqliteLedger ledger = new SqliteLedger(file, store, durability, tuning);
        ledger.writerThread.start();
        LOG.info("Ledger opened at {} ({})", file, durability);
        return ledger;
    }

    @Override
    public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource)
            throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        Objects.requireNonNull(resource, "resource cannot be null.");
        if (amountMicros < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amountMicros);
        }
        return (ChargeResult) submit(new LedgerOp.Charge(scrip, amountMicros, resource));
    }

    @Override
    public boolean refund(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        return (Boolean) submit(new LedgerOp.Refund(receiptId));
    }

    @Override
    public long remaining(ScripAccount scrip) throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        return (Long) submit(new LedgerOp.Remaining(scrip));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return (List<ScripTotal>) submit(new LedgerOp.Unsettled(limit));
    }

    @Override
    public void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        if (settledMicros < 0) {
            throw new IllegalArgumentException("settled amount must not be negative: " + settledMicros);
        }
        submit(new LedgerOp.MarkSettled(new ScripState.Key(issuer, jti), settledMicros));
    }

    /**
     * Stops taking operations, lets the writer commit what is already queued, and closes the database. Idempotent;
     * waits for the writer at most the wait timeout.
     */
    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            queue.offer(new LedgerOp.Stop()); // wakes an idle writer; a full queue means it is awake anyway
        }
        if (Thread.currentThread() == writerThread) {
            return;
        }
        try {
            writerThread.join(TimeUnit.NANOSECONDS.toMillis(waitTimeoutNanos));
            if (writerThread.isAlive()) {
                LOG.warn("Ledger writer for {} did not stop in time", file);
            } else {
                LOG.info("Ledger at {} closed", file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Object submit(LedgerOp op) throws LedgerUnavailableException {
        if (closing.get() || writer.stopped()) {
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
        long deadline = System.nanoTime() + waitTimeoutNanos;
        if (!queue.offer(op)) {
            boolean queued;
            try {
                queued = queue.offer(op, waitTimeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LedgerUnavailableException("interrupted while the ledger queue was full");
            }
            if (!queued) {
                throw new LedgerUnavailableException("ledger queue stayed full");
            }
        }
        if (writer.stopped() && op.cancel()) {
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
        Object outcome = op.await(deadline);
        if (outcome == null) {
            throw new LedgerUnavailableException(op.cancel()
                    ? "ledger did not take the operation in time"
                    : "ledger did not answer in time; the outcome is unknown");
        }
        if (outcome instanceof LedgerOp.Failure failure) {
            if (failure.illegalArgument()) {
                throw new IllegalArgumentException(failure.message());
            }
            throw new LedgerUnavailableException(failure.message(), failure.cause());
        }
        return outcome;
    }
}
