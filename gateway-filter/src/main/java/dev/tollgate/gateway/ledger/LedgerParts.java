package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open ledger's collaborators and their life: {@link #open} takes the lock file, opens SQLite, wires each
 * collaborator with only the parts it uses, folds in the journal a previous process left ({@link Recovery}) and
 * starts the fold thread; {@link #close} stops taking records, folds the whole journal in and releases the files. On
 * a failed open nothing is left open. Apart from {@link SqliteLedger} so that the SPI class is only the SPI: its
 * argument checks and the calls into these parts.
 */
final class LedgerParts {

    /** Logs as the ledger, whose opening and closing this was before this class took them over. */
    private static final Logger LOG = LoggerFactory.getLogger(SqliteLedger.class);
    /** How long {@link #close} waits for writers still copying their record before it gives their slots up. */
    private static final long CLOSE_GRACE_MILLIS = 200;

    final Path file;
    /** Set when {@link #close} begins; shared with {@link #store}, which then refuses the database. */
    final AtomicBoolean closing = new AtomicBoolean();
    final Journal journal;
    final GroupCommit commit;
    final LockedStore store;
    final ReceiptIds receipts;
    final ScripStates scrips;
    final Entitlements entitlements;
    final PaymentIds paymentIds;
    final IdentifiedCharges identified;
    final Materializer materializer;
    final FoldThread foldThread;
    final ChainRows chainRows;
    final Chains chains;
    final Refunds refunds;
    final VoidQueue voids;
    final Settlement settlement;
    private final FoldWriter writer;
    private final LockFile lockFile;

    private LedgerParts(Path file, SqliteLedger.Durability durability, LedgerTuning tuning, LockFile lockFile,
                        LedgerStore opened, String databaseId) {
        this.file = file;
        this.lockFile = lockFile;
        long waitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(tuning.waitTimeoutMillis());
        boolean sync = durability == SqliteLedger.Durability.POWER_CUT_SAFE;
        this.journal = new Journal(file, tuning.segmentBytes(), sync, tuning.maxBacklogSlots(),
                tuning.backlogWaitMillis(), tuning.diskReserveBytes());
        this.commit = new GroupCommit(journal, sync, waitTimeoutNanos, tuning.materializeBatch());
        this.store = new LockedStore(file, durability, tuning.busyTimeoutMillis(), journal.slotsPerSegment(),
                waitTimeoutNanos, closing, opened);
        this.receipts = new ReceiptIds(databaseId);
        StateMap<ScripState.Key, ScripState> scripStates = new StateMap<>(tuning.stateCapacity());
        StateMap<ChainState.Key, ChainState> chainStates = new StateMap<>(tuning.stateCapacity());
        PendingRefunds pending = new PendingRefunds();
        Resources resources = new Resources(store, tuning.resourceCapacity());
        this.scrips = new ScripStates(store, journal, commit, resources, receipts, scripStates);
        this.entitlements = new Entitlements(store, journal, scrips, resources, receipts, pending,
                tuning.stateCapacity());
        // Each kept identifier is a charge within the last 10 minutes: a few times the scrip states' bound.
        this.paymentIds = new PaymentIds(4 * tuning.stateCapacity(), waitTimeoutNanos);
        this.identified = new IdentifiedCharges(store, scrips, resources, receipts, paymentIds);
        this.writer = new FoldWriter(scripStates, chainStates, pending);
        this.materializer = new Materializer(store, journal, writer, entitlements, tuning.abandonMillis());
        this.foldThread = new FoldThread(store, journal, materializer, scripStates, chainStates, pending,
                tuning.materializeIntervalMillis());
        this.chainRows = new ChainRows(store, chainStates, materializer, pending);
        this.chains = new Chains(journal, commit, resources, receipts, chainStates, chainRows, waitTimeoutNanos);
        this.refunds = new Refunds(store, journal, commit, pending, scrips, chainRows, entitlements,
                paymentIds);
        this.voids = new VoidQueue(store, materializer, refunds, pending, receipts);
        this.settlement = new Settlement(store, materializer);
    }

    /**
     * Opens (or creates, with its parent directories) the ledger at {@code file} (absolute, normalized) and folds in
     * any journal a previous process left.
     *
     * @throws IllegalStateException if the file cannot be opened, is in use by another ledger, or has a schema this
     *     code does not know
     */
    static LedgerParts open(Path file, SqliteLedger.Durability durability, LedgerTuning tuning) {
        LockFile lock = null;
        LedgerStore opened = null;
        LedgerParts parts = null;
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            lock = LockFile.acquire(file);
            opened = LedgerStore.open(file, durability, tuning.busyTimeoutMillis(),
                    tuning.segmentBytes() / JournalRecord.SLOT);
            parts = new LedgerParts(file, durability, tuning, lock, opened, opened.metaText(LedgerStore.META_DB_ID));
            parts.start(opened);
            LOG.info("Ledger opened at {} ({})", file, durability);
            return parts;
        } catch (IOException | SQLException | RuntimeException e) {
            if (parts != null) {
                parts.store.close();
            } else if (opened != null) {
                opened.close();
            }
            if (lock != null) {
                lock.closeAfterFailure(e);
            }
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException("cannot open the ledger at " + file + ": " + e.getMessage(), e);
        }
    }

    private void start(LedgerStore opened) throws SQLException, IOException {
        store.lock();
        try {
            long next = Recovery.foldIn(opened, file, journal.slotsPerSegment(), writer);
            paymentIds.load(opened, System.currentTimeMillis()); // the journal is all in SQLite now
            materializer.start(next);
            journal.start(next);
            commit.start(next);
        } finally {
            store.unlock();
        }
        foldThread.start();
    }

    /**
     * Stops taking operations, folds the whole journal into SQLite, deletes it and closes the database. Idempotent.
     */
    void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        journal.beginClose(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS));
        foldThread.stop(TimeUnit.NANOSECONDS.toMillis(store.waitTimeoutNanos()));
        store.lock();
        try {
            journal.close(materializer.drain()); // deletes the journal only if it is all folded in
            store.close();
        } finally {
            store.unlock();
        }
        try {
            lockFile.release();
        } catch (IOException e) {
            LOG.warn("Releasing the ledger lock file failed", e);
        }
        LOG.info("Ledger at {} closed", file);
    }
}
