package dev.tollgate.gateway.ledger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger: a memory-mapped journal that makes each charge durable, folded in the background into one
 * SQLite database file (WAL mode), the store of record. See docs/LEDGER.md for the design.
 *
 * <p>A charge is decided in memory, lock-free per scrip (compare-and-set on the scrip's reserved total), and made
 * durable by appending a 64-byte record to the journal: with {@link Durability#PROCESS_CRASH_SAFE} that is a store
 * into a shared mapping (no syscall, no thread handoff); with {@link Durability#POWER_CUT_SAFE} the caller also waits
 * for a group {@code msync} covering it. SQLite is touched on the charge path only the first time a scrip or a
 * resource is seen.
 *
 * <p>Failures fail closed with {@link LedgerUnavailableException}. A charge whose record was never written is undone;
 * one whose record was written but whose durability could not be confirmed keeps its budget reserved (the buyer may
 * pay for a response that was not served, never the reverse).
 *
 * <p>One instance per database file: a lock file next to it refuses a second one, in this or another process. Other
 * connections may read the database at any time (WAL); they must not change it.
 *
 * @since 0.1
 */
public final class SqliteLedger implements Ledger {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteLedger.class);
    private static final long DEFAULT_WAIT_MILLIS = 10_000;
    private static final long CLOSE_GRACE_MILLIS = 200;
    private static final long EXPIRED_EVICTION_GRACE_MILLIS = 60_000;
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** What a {@link ChargeResult.Charged} survives once returned. */
    public enum Durability {
        /**
         * The journal record is {@code msync}ed (group commit) before the charge returns, and SQLite runs with
         * {@code synchronous=FULL}: survives a killed process, an OS crash and a power cut.
         */
        POWER_CUT_SAFE("FULL"),
        /**
         * The journal record is in the page cache (a shared mapping) when the charge returns, and SQLite runs with
         * {@code synchronous=NORMAL}: survives a killed process; an OS crash or power cut may lose the last
         * acknowledged charges (never double spends what survived).
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
    record Tuning(int segmentBytes, long materializeIntervalMillis, int materializeBatch, long abandonMillis,
                  int stateCapacity, int resourceCapacity, long waitTimeoutMillis, int busyTimeoutMillis) {
        static final Tuning DEFAULTS = new Tuning(16 << 20, 200, 4096, 5_000, 65_536, 65_536, DEFAULT_WAIT_MILLIS,
                2_000);

        Tuning {
            if (Integer.bitCount(segmentBytes) != 1 || segmentBytes < 4096 || materializeIntervalMillis < 1
                    || Integer.bitCount(materializeBatch) != 1 || abandonMillis < 1 || stateCapacity < 1
                    || resourceCapacity < 1 || waitTimeoutMillis < 1 || busyTimeoutMillis < 0) {
                throw new IllegalArgumentException("invalid tuning " + this);
            }
        }

        Tuning withWaitTimeoutMillis(long millis) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, millis, busyTimeoutMillis);
        }

        Tuning withBusyTimeoutMillis(int millis) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, millis);
        }

        Tuning withSegmentBytes(int bytes) {
            return new Tuning(bytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis);
        }

        Tuning withMaterializeIntervalMillis(long millis) {
            return new Tuning(segmentBytes, millis, materializeBatch, abandonMillis, stateCapacity, resourceCapacity,
                    waitTimeoutMillis, busyTimeoutMillis);
        }

        Tuning withMaterializeBatch(int records) {
            return new Tuning(segmentBytes, materializeIntervalMillis, records, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis);
        }

        Tuning withAbandonMillis(long millis) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, millis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis);
        }

        Tuning withStateCapacity(int states) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, states,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis);
        }
    }

    private final Path file;
    private final Durability durability;
    private final Tuning tuning;
    private final boolean sync;
    private final long waitTimeoutNanos;
    private final int batchMask;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final Journal journal;
    private final Materializer materializer;
    private final Thread materializerThread;
    /** Guards the connection and every SQLite access; held by each materializer pass. */
    private final ReentrantLock dbLock = new ReentrantLock();
    /** Serializes refunds (rare); the materializer only tries it, to evict states. */
    private final ReentrantLock refundLock = new ReentrantLock();
    private LedgerStore store;
    private ReceiptIds receipts;
    private final Map<ScripState.Key, ScripState> states = new ConcurrentHashMap<>();
    private final Map<Long, ScripState> statesById = new ConcurrentHashMap<>();
    private final Cache<String, Integer> resources;
    /** Charges whose REFUND record is appended but not yet folded into SQLite. */
    private final Set<Long> refundsInJournal = ConcurrentHashMap.newKeySet();
    /** Tests only: runs in {@link #refund} right after the REFUND record is appended, with the refunded seq. */
    volatile LongConsumer refundAppendedHook;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private long nextExpirySweepMillis;

    private SqliteLedger(Path file, Durability durability, Tuning tuning, FileChannel lockChannel, FileLock fileLock) {
        this.file = file;
        this.durability = durability;
        this.tuning = tuning;
        this.sync = durability == Durability.POWER_CUT_SAFE;
        this.waitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(tuning.waitTimeoutMillis());
        this.batchMask = tuning.materializeBatch() - 1;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
        this.journal = new Journal(file, tuning.segmentBytes());
        this.materializer = new Materializer(this, journal, tuning.materializeIntervalMillis(), tuning.abandonMillis());
        this.materializerThread = new Thread(materializer, "tollgate-ledger-materializer-" + INSTANCES.incrementAndGet());
        materializerThread.setDaemon(true);
        this.resources = Caffeine.newBuilder().maximumSize(tuning.resourceCapacity()).executor(Runnable::run).build();
    }

    /** Opens (or creates) the ledger at {@code databaseFile} with {@link Durability#POWER_CUT_SAFE}. */
    public static SqliteLedger open(Path databaseFile) {
        return open(databaseFile, Durability.POWER_CUT_SAFE);
    }

    /**
     * Opens (or creates, with its parent directories) the ledger at {@code databaseFile}, folding any journal left by
     * a previous process into the database before it returns.
     *
     * @throws IllegalStateException if the file cannot be opened, is in use by another ledger, or has a schema this
     *     code does not know
     */
    public static SqliteLedger open(Path databaseFile, Durability durability) {
        return open(databaseFile, durability, Tuning.DEFAULTS);
    }

    static SqliteLedger open(Path databaseFile, Durability durability, Tuning tuning) {
        Objects.requireNonNull(databaseFile, "databaseFile cannot be null.");
        Objects.requireNonNull(durability, "durability cannot be null.");
        Objects.requireNonNull(tuning, "tuning cannot be null.");
        Path file = databaseFile.toAbsolutePath().normalize();
        FileChannel lockChannel = null;
        SqliteLedger ledger = null;
        try {
            Path parent = file.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            lockChannel = FileChannel.open(file.resolveSibling(file.getFileName() + ".journal.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("the ledger at " + file + " is already open (in this or another "
                        + "process)");
            }
            ledger = new SqliteLedger(file, durability, tuning, lockChannel, lock);
            ledger.start();
            LOG.info("Ledger opened at {} ({})", file, durability);
            return ledger;
        } catch (IOException | SQLException | RuntimeException e) {
            if (ledger != null && ledger.store != null) {
                ledger.store.close();
            }
            if (lockChannel != null) {
                try {
                    lockChannel.close(); // releases the lock
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException("cannot open the ledger at " + file + ": " + e.getMessage(), e);
        }
    }

    private void start() throws SQLException, IOException {
        dbLock.lock();
        try {
            store = LedgerStore.open(file, durability, tuning.busyTimeoutMillis(), journal.slotsPerSegment());
            receipts = new ReceiptIds(store.metaText(LedgerStore.META_DB_ID));
            long next = materializer.recover(store, file, journal.slotsPerSegment());
            journal.start(next);
        } finally {
            dbLock.unlock();
        }
        materializerThread.start();
    }

    // ---------------------------------------------------------------- charge

    @Override
    public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource)
            throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        Objects.requireNonNull(resource, "resource cannot be null.");
        if (amountMicros < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amountMicros);
        }
        ensureOpen();
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        ScripState state = states.get(key);
        if (state == null) {
            state = load(key, scrip, true);
        }
        checkBudget(state, scrip);
        Integer resourceId = resources.getIfPresent(resource);
        if (resourceId == null) {
            resourceId = resourceId(resource);
        }
        long spent;
        while (true) {
            spent = state.spent();
            if (spent == ScripState.RETIRED) {
                state = load(key, scrip, true); // evicted meanwhile
                continue;
            }
            long remaining = state.budget - spent;
            if (amountMicros > remaining) {
                return new ChargeResult.Insufficient(remaining);
            }
            if (state.compareAndSetSpent(spent, spent + amountMicros)) {
                break;
            }
        }
        long seq;
        try {
            seq = journal.append(JournalRecord.CHARGE, state.id, amountMicros, resourceId, System.currentTimeMillis(),
                    0, 0);
        } catch (LedgerUnavailableException e) {
            state.addSpent(-amountMicros); // nothing was written: give the budget back
            throw e;
        }
        if ((seq & batchMask) == 0) {
            materializer.wake();
        }
        if (sync) {
            journal.awaitDurable(seq, System.nanoTime() + waitTimeoutNanos);
        }
        return new ChargeResult.Charged(receipts.format(seq), amountMicros, state.budget - spent - amountMicros);
    }

    private static void checkBudget(ScripState state, ScripAccount scrip) {
        if (state.budget != scrip.budgetMicros() && !state.budgetMismatchLogged) {
            state.budgetMismatchLogged = true;
            LOG.warn("Scrip {} / {} presented with budget {} but {} is recorded; using the recorded budget",
                    scrip.issuer(), scrip.jti(), scrip.budgetMicros(), state.budget);
        }
    }

    /**
     * The state of a scrip from its row, inserting the row first if {@code insert} (committed before any journal
     * record can refer to it); {@code null} if it has no row and {@code insert} is false.
     */
    private ScripState load(ScripState.Key key, ScripAccount scrip, boolean insert) throws LedgerUnavailableException {
        lockDb();
        try {
            ScripState state = states.get(key);
            if (state != null && state.spent() != ScripState.RETIRED) {
                return state;
            }
            LedgerStore db = store();
            try {
                ScripState loaded = select(db, key);
                db.commit(); // end the read: a write started from a read fails at once if SQLite is busy
                if (loaded == null && insert) {
                    PreparedStatement ps = db.insertScrip;
                    ps.setString(1, key.issuer());
                    ps.setString(2, key.jti());
                    ps.setString(3, scrip.buyer());
                    ps.setString(4, scrip.seller());
                    ps.setLong(5, scrip.budgetMicros());
                    ps.setString(6, scrip.currency());
                    ps.setLong(7, scrip.expiresAt().toEpochMilli());
                    ps.setLong(8, System.currentTimeMillis());
                    ps.executeUpdate();
                    db.commit();
                    loaded = select(db, key);
                    if (loaded == null) {
                        throw new SQLException("scrip row vanished after its insert");
                    }
                }
                db.commit();
                if (loaded != null) {
                    states.put(key, loaded);
                    statesById.put(loaded.id, loaded);
                }
                return loaded;
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException("ledger write failed: " + e.getMessage(), e);
            }
        } finally {
            dbLock.unlock();
        }
    }

    private static ScripState select(LedgerStore db, ScripState.Key key) throws SQLException {
        db.selectScripByKey.setString(1, key.issuer());
        db.selectScripByKey.setString(2, key.jti());
        try (ResultSet rs = db.selectScripByKey.executeQuery()) {
            return rs.next() ? new ScripState(rs.getLong(1), key, rs.getLong(2), rs.getLong(3), rs.getLong(5)) : null;
        }
    }

    /** The state of a scrip known by row id (refunds); the row must exist. Caller holds the refund lock. */
    private ScripState stateById(long id) throws LedgerUnavailableException {
        ScripState state = statesById.get(id);
        if (state != null && state.spent() != ScripState.RETIRED) {
            return state;
        }
        lockDb();
        try {
            LedgerStore db = store();
            try {
                db.selectScripById.setLong(1, id);
                ScripState.Key key;
                try (ResultSet rs = db.selectScripById.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("scrip " + id + " has no row");
                    }
                    key = new ScripState.Key(rs.getString(1), rs.getString(2));
                }
                db.commit();
                state = states.get(key);
                if (state != null && state.spent() != ScripState.RETIRED) {
                    return state;
                }
                state = select(db, key);
                db.commit();
                states.put(key, state);
                statesById.put(id, state);
                return state;
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException("ledger read failed: " + e.getMessage(), e);
            }
        } finally {
            dbLock.unlock();
        }
    }

    private int resourceId(String resource) throws LedgerUnavailableException {
        lockDb();
        try {
            Integer cached = resources.getIfPresent(resource);
            if (cached != null) {
                return cached;
            }
            LedgerStore db = store();
            try {
                db.insertResource.setString(1, resource);
                db.insertResource.executeUpdate();
                db.selectResource.setString(1, resource);
                int id;
                try (ResultSet rs = db.selectResource.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("resource row vanished after its insert");
                    }
                    id = rs.getInt(1);
                }
                db.commit();
                resources.put(resource, id);
                return id;
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException("ledger write failed: " + e.getMessage(), e);
            }
        } finally {
            dbLock.unlock();
        }
    }

    // ---------------------------------------------------------------- refund

    private record StoredCharge(long scripId, long amount, int resourceId, long createdMillis, boolean refunded) {
    }

    @Override
    public boolean refund(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        long seq = receipts.parse(receiptId);
        if (seq < 0) {
            throw new IllegalArgumentException("no such receipt: " + receiptId);
        }
        long deadline = System.nanoTime() + waitTimeoutNanos;
        try {
            if (!refundLock.tryLock(waitTimeoutNanos, TimeUnit.NANOSECONDS)) {
                throw new LedgerUnavailableException("ledger refunds are busy");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted waiting for the ledger");
        }
        try {
            ensureOpen();
            if (refundsInJournal.contains(seq)) {
                return false;
            }
            StoredCharge charge = findCharge(seq);
            if (charge == null) {
                throw new IllegalArgumentException("no such receipt: " + receiptId);
            }
            if (charge.refunded) {
                return false;
            }
            ScripState state = stateById(charge.scripId);
            // Into the set before the record exists: the materializer removes the seq when it folds the record in,
            // which may happen as soon as the append publishes it. Added after, it would stay forever and block
            // eviction for good.
            refundsInJournal.add(seq);
            long refundSeq;
            try {
                refundSeq = journal.append(JournalRecord.REFUND, charge.scripId, charge.amount, charge.resourceId,
                        charge.createdMillis, seq, System.currentTimeMillis());
            } catch (LedgerUnavailableException | RuntimeException e) {
                refundsInJournal.remove(seq); // not written: no REFUND record of it will ever be folded in
                throw e;
            }
            LongConsumer hook = refundAppendedHook;
            if (hook != null) {
                hook.accept(seq);
            }
            if (sync) {
                // Durable before the money can be charged again: a later charge's record never survives without it.
                journal.awaitDurable(refundSeq, deadline);
            }
            state.addSpent(-charge.amount);
            return true;
        } finally {
            refundLock.unlock();
        }
    }

    /** The charge in SQLite, else in the journal (not folded in yet); {@code null} if neither has it. */
    private StoredCharge findCharge(long seq) throws LedgerUnavailableException {
        lockDb();
        try {
            LedgerStore db = store();
            try {
                db.selectCharge.setLong(1, seq);
                StoredCharge found = null;
                try (ResultSet rs = db.selectCharge.executeQuery()) {
                    if (rs.next()) {
                        long scripId = rs.getLong(1);
                        long amount = rs.getLong(2);
                        int resourceId = rs.getInt(3);
                        long created = rs.getLong(4);
                        rs.getLong(5);
                        found = new StoredCharge(scripId, amount, resourceId, created, !rs.wasNull());
                    }
                }
                db.commit();
                if (found == null) {
                    // Segments are deleted only after their records are committed, under this lock.
                    JournalRecord record = journal.record(seq);
                    if (record != null && record.type() == JournalRecord.CHARGE) {
                        found = new StoredCharge(record.scripId(), record.amount(), record.resourceId(),
                                record.createdMillis(), false);
                    }
                }
                return found;
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException("ledger read failed: " + e.getMessage(), e);
            }
        } finally {
            dbLock.unlock();
        }
    }

    // ---------------------------------------------------------------- reads and settlement

    @Override
    public long remaining(ScripAccount scrip) throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        ensureOpen();
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        while (true) {
            ScripState state = states.get(key);
            if (state == null) {
                state = load(key, scrip, false);
                if (state == null) {
                    return scrip.budgetMicros();
                }
            }
            long spent = state.spent();
            if (spent != ScripState.RETIRED) {
                checkBudget(state, scrip);
                return state.budget - spent;
            }
            states.remove(key, state);
        }
    }

    @Override
    public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        ensureOpen();
        lockDb();
        try {
            LedgerStore db = store();
            try {
                materializer.catchUp(db, Materializer.Mode.LIVE);
                PreparedStatement select = db.selectUnsettled;
                select.setInt(1, limit);
                List<ScripTotal> rows = new ArrayList<>();
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new ScripTotal(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                    }
                }
                db.commit();
                return List.copyOf(rows);
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException("ledger read failed: " + e.getMessage(), e);
            }
        } finally {
            dbLock.unlock();
        }
    }

    @Override
    public void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        if (settledMicros < 0) {
            throw new IllegalArgumentException("settled amount must not be negative: " + settledMicros);
        }
        ensureOpen();
        lockDb();
        try {
            LedgerStore db = store();
            String rejected = null;
            try {
                materializer.catchUp(db, Materializer.Mode.LIVE);
                ScripState row = select(db, new ScripState.Key(issuer, jti));
                if (row == null) {
                    if (settledMicros != 0) {
                        rejected = "no charges recorded on scrip " + jti;
                    }
                } else {
                    long settled;
                    db.selectScripByKey.setString(1, issuer);
                    db.selectScripByKey.setString(2, jti);
                    try (ResultSet rs = db.selectScripByKey.executeQuery()) {
                        rs.next();
                        settled = rs.getLong(4);
                    }
                    long spent = row.spent();
                    if (settledMicros > settled) { // amounts never go backwards
                        if (settledMicros > spent) {
                            rejected = "settled amount " + settledMicros + " exceeds the " + spent
                                    + " charged on scrip " + jti;
                        } else {
                            db.updateSettled.setLong(1, settledMicros);
                            db.updateSettled.setLong(2, row.id);
                            db.updateSettled.executeUpdate();
                        }
                    }
                }
                db.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(db);
                throw new LedgerUnavailableException("ledger write failed: " + e.getMessage(), e);
            }
            if (rejected != null) {
                throw new IllegalArgumentException(rejected);
            }
        } finally {
            dbLock.unlock();
        }
    }

    // ---------------------------------------------------------------- streams and chains (not yet implemented)

    @Override
    public ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, java.time.Instant now,
                                     java.time.Instant entitledUntil) throws LedgerUnavailableException {
        throw new LedgerUnavailableException("streams are not implemented yet");
    }

    @Override
    public ChainHead chainHead(ChainAccount chain) throws LedgerUnavailableException {
        throw new LedgerUnavailableException("chains are not implemented yet");
    }

    @Override
    public ChargeResult chargeChain(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                                    String resource) throws LedgerUnavailableException {
        throw new LedgerUnavailableException("chains are not implemented yet");
    }

    @Override
    public java.util.Optional<String> commitment(String issuer, String commitmentId)
            throws LedgerUnavailableException {
        throw new LedgerUnavailableException("chains are not implemented yet");
    }

    @Override
    public List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException {
        throw new LedgerUnavailableException("chains are not implemented yet");
    }

    @Override
    public void markChainSettled(String issuer, String commitmentId, int settledIndex)
            throws LedgerUnavailableException {
        throw new LedgerUnavailableException("chains are not implemented yet");
    }

    // ---------------------------------------------------------------- materializer hooks

    /** One background pass: fold in what is ready, then evict idle states. */
    void backgroundPass() {
        if (closed) {
            return;
        }
        dbLock.lock();
        try {
            if (closed) {
                return;
            }
            LedgerStore db;
            try {
                db = store();
            } catch (LedgerUnavailableException e) {
                LOG.error("Ledger materializer cannot reach {}; retrying", file, e);
                return;
            }
            try {
                materializer.catchUp(db, Materializer.Mode.LIVE);
            } catch (SQLException | RuntimeException e) {
                LOG.error("Ledger materializer pass on {} failed; retrying", file, e);
                rollback(db);
                return;
            }
            evictIdle(System.currentTimeMillis());
        } finally {
            dbLock.unlock();
        }
    }

    /** After a materializer commit: the scrip rows' totals now, and the refunds folded in. Database lock held. */
    void materialized(Map<Long, Long> spentByScrip, List<Long> refunded) {
        spentByScrip.forEach((id, spent) -> {
            ScripState state = statesById.get(id);
            if (state != null) {
                state.materialized = spent;
            }
        });
        refunded.forEach(refundsInJournal::remove);
    }

    /**
     * Evicts states over the capacity, and states of scrip expired a while ago, but only states all of whose records
     * are folded in: with no refund in progress or in the journal, a state's reserved total equals its folded-in total
     * exactly when no positive charge of it is unfolded or in flight. The compare-and-set to RETIRED makes that check
     * atomic with respect to charges.
     */
    private void evictIdle(long nowMillis) {
        boolean over = states.size() > tuning.stateCapacity();
        boolean sweep = nowMillis >= nextExpirySweepMillis;
        if (!over && !sweep) {
            return;
        }
        if (!refundLock.tryLock()) {
            return;
        }
        try {
            if (!refundsInJournal.isEmpty()) {
                return;
            }
            if (sweep) {
                nextExpirySweepMillis = nowMillis + 10_000;
            }
            int target = over ? Math.max(1, tuning.stateCapacity() - tuning.stateCapacity() / 10) : Integer.MAX_VALUE;
            for (ScripState state : states.values()) {
                boolean expired = state.expiresAtMillis + EXPIRED_EVICTION_GRACE_MILLIS < nowMillis;
                if (!expired && states.size() <= target) {
                    continue;
                }
                long spent = state.spent();
                if (spent != ScripState.RETIRED && spent == state.materialized
                        && state.compareAndSetSpent(spent, ScripState.RETIRED)) {
                    states.remove(state.key, state);
                    statesById.remove(state.id, state);
                }
            }
        } finally {
            refundLock.unlock();
        }
    }

    /** How many scrip states are in memory (tests). */
    int cachedStates() {
        return states.size();
    }

    /** Tests only: {@code hook} runs in every journal append between the slot's reservation and its segment lookup. */
    void onJournalReserved(LongConsumer hook) {
        journal.reservedHook = hook;
    }

    // ---------------------------------------------------------------- plumbing

    private void ensureOpen() throws LedgerUnavailableException {
        if (closing.get()) {
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
    }

    private void lockDb() throws LedgerUnavailableException {
        try {
            if (!dbLock.tryLock(waitTimeoutNanos, TimeUnit.NANOSECONDS)) {
                throw new LedgerUnavailableException("ledger database stayed busy");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted waiting for the ledger");
        }
        if (closed) {
            dbLock.unlock();
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
    }

    /** The connection, reopened after a failed rollback. Database lock held. */
    private LedgerStore store() throws LedgerUnavailableException {
        if (store == null) {
            try {
                store = LedgerStore.open(file, durability, tuning.busyTimeoutMillis(), journal.slotsPerSegment());
                LOG.info("Ledger {} reconnected", file);
            } catch (SQLException e) {
                throw new LedgerUnavailableException("cannot reopen the ledger database: " + e.getMessage(), e);
            }
        }
        return store;
    }

    private void rollback(LedgerStore db) {
        if (!db.rollbackQuietly()) {
            db.close();
            if (store == db) {
                store = null;
            }
        }
    }

    /**
     * Stops taking operations, folds the whole journal into SQLite, deletes it and closes the database. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        journal.beginClose(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS));
        materializer.stop();
        try {
            materializerThread.join(TimeUnit.NANOSECONDS.toMillis(waitTimeoutNanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dbLock.lock();
        try {
            boolean drained = false;
            try {
                LedgerStore db = store();
                try {
                    materializer.catchUp(db, Materializer.Mode.DRAIN);
                    // The checkpoint must be on disk before the journal goes: it is then the only bound on the
                    // sequence numbers to hand out after the next open.
                    db.commitDurably();
                    drained = true;
                } catch (SQLException | RuntimeException e) {
                    rollback(db);
                    throw e;
                }
            } catch (LedgerUnavailableException | SQLException | RuntimeException e) {
                LOG.error("Ledger at {} could not fold its journal in at close; it will at the next open", file, e);
            }
            journal.close(drained);
            if (store != null) {
                store.close();
                store = null;
            }
            closed = true;
        } finally {
            dbLock.unlock();
        }
        try {
            fileLock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.warn("Releasing the ledger lock file failed", e);
        }
        LOG.info("Ledger at {} closed", file);
    }
}
