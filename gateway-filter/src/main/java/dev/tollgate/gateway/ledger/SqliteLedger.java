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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * <p>The work is split by concern: {@link ScripStates} (per-scrip state and eviction), {@link Refunds},
 * {@link Entitlements} (streams: the entitlement is the CHARGE record that bought it), {@link Chains} (PayWord:
 * ADVANCE records move a chain's head) and {@link VoidQueue} (the outbox of online voids). This class owns the lifecycle, the database lock and the plain charge.
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

    /**
     * What the embedded ledger may keep on disk besides SQLite: its bounds against a fold into SQLite that falls
     * behind (docs/LEDGER.md, "Bounds"). Immutable.
     *
     * @param maxBacklogBytes the most journal records (64 bytes each) that may wait to be folded into SQLite; beyond
     *     it, charges wait briefly for the fold and then fail with {@link LedgerUnavailableException}. 16 MiB to 16 GiB
     * @param diskReserveBytes no journal segment (16 MiB) is created that would leave less than this free on the
     *     file system: the space SQLite needs to fold the journal in. 1 MiB to 1024 GiB
     * @since 0.2
     */
    public record Limits(long maxBacklogBytes, long diskReserveBytes) {

        public static final long MIN_BACKLOG_BYTES = 16L << 20;
        public static final long MAX_BACKLOG_BYTES = 16L << 30;
        public static final long MIN_DISK_RESERVE_BYTES = 1L << 20;
        public static final long MAX_DISK_RESERVE_BYTES = 1L << 40;
        /** A backlog of 64 MiB (1,048,576 records, a few seconds of folding) and a reserve of 256 MiB. */
        public static final Limits DEFAULTS = new Limits(64L << 20, 256L << 20);

        public Limits {
            if (maxBacklogBytes < MIN_BACKLOG_BYTES || maxBacklogBytes > MAX_BACKLOG_BYTES) {
                throw new IllegalArgumentException("the journal backlog must be 16 MiB to 16 GiB: " + maxBacklogBytes);
            }
            if (diskReserveBytes < MIN_DISK_RESERVE_BYTES || diskReserveBytes > MAX_DISK_RESERVE_BYTES) {
                throw new IllegalArgumentException("the disk reserve must be 1 MiB to 1024 GiB: " + diskReserveBytes);
            }
        }
    }

    /** Knobs tests turn; production uses {@link #DEFAULTS} with the {@link Limits} it is given. */
    record Tuning(int segmentBytes, long materializeIntervalMillis, int materializeBatch, long abandonMillis,
                  int stateCapacity, int resourceCapacity, long waitTimeoutMillis, int busyTimeoutMillis,
                  long maxBacklogSlots, long backlogWaitMillis, long diskReserveBytes) {
        static final Tuning DEFAULTS = new Tuning(16 << 20, 200, 4096, 5_000, 65_536, 65_536, DEFAULT_WAIT_MILLIS,
                2_000, Limits.DEFAULTS.maxBacklogBytes() / JournalRecord.SLOT, 250, Limits.DEFAULTS.diskReserveBytes());

        Tuning {
            if (Integer.bitCount(segmentBytes) != 1 || segmentBytes < 4096 || materializeIntervalMillis < 1
                    || Integer.bitCount(materializeBatch) != 1 || abandonMillis < 1 || stateCapacity < 1
                    || resourceCapacity < 1 || waitTimeoutMillis < 1 || busyTimeoutMillis < 0
                    || maxBacklogSlots < 1 || backlogWaitMillis < 0 || diskReserveBytes < 0) {
                throw new IllegalArgumentException("invalid tuning " + this);
            }
        }

        Tuning withLimits(Limits limits) {
            return withBacklog(limits.maxBacklogBytes() / JournalRecord.SLOT, backlogWaitMillis,
                    limits.diskReserveBytes());
        }

        Tuning withWaitTimeoutMillis(long millis) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, millis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis, diskReserveBytes);
        }

        Tuning withBusyTimeoutMillis(int millis) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, millis, maxBacklogSlots, backlogWaitMillis, diskReserveBytes);
        }

        Tuning withSegmentBytes(int bytes) {
            return new Tuning(bytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                    diskReserveBytes);
        }

        Tuning withMaterializeIntervalMillis(long millis) {
            return new Tuning(segmentBytes, millis, materializeBatch, abandonMillis, stateCapacity, resourceCapacity,
                    waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis, diskReserveBytes);
        }

        Tuning withMaterializeBatch(int records) {
            return new Tuning(segmentBytes, materializeIntervalMillis, records, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                    diskReserveBytes);
        }

        Tuning withAbandonMillis(long millis) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, millis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                    diskReserveBytes);
        }

        Tuning withStateCapacity(int states) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, states,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxBacklogSlots, backlogWaitMillis,
                    diskReserveBytes);
        }

        /** Any bounds, also below those {@link Limits} accepts (tests with tiny segments). */
        Tuning withBacklog(long maxSlots, long waitMillis, long reserveBytes) {
            return new Tuning(segmentBytes, materializeIntervalMillis, materializeBatch, abandonMillis, stateCapacity,
                    resourceCapacity, waitTimeoutMillis, busyTimeoutMillis, maxSlots, waitMillis, reserveBytes);
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
    private LedgerStore store;
    private ReceiptIds receipts;
    private final ScripStates states;
    private final Refunds refunds;
    private final Entitlements entitlements;
    private final Chains chains;
    private final VoidQueue voids;
    private final Cache<String, Integer> resources;
    /** Tests only: runs in {@link #refund} right after the REFUND record is appended, with the refunded seq. */
    volatile LongConsumer refundAppendedHook;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;

    private SqliteLedger(Path file, Durability durability, Tuning tuning, FileChannel lockChannel, FileLock fileLock) {
        this.file = file;
        this.durability = durability;
        this.tuning = tuning;
        this.sync = durability == Durability.POWER_CUT_SAFE;
        this.waitTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(tuning.waitTimeoutMillis());
        this.batchMask = tuning.materializeBatch() - 1;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
        this.journal = new Journal(file, tuning.segmentBytes(), tuning.maxBacklogSlots(), tuning.backlogWaitMillis(),
                tuning.diskReserveBytes(), this::wakeMaterializer);
        this.materializer = new Materializer(this, journal, tuning.materializeIntervalMillis(), tuning.abandonMillis());
        this.materializerThread = new Thread(materializer, "tollgate-ledger-materializer-" + INSTANCES.incrementAndGet());
        materializerThread.setDaemon(true);
        this.resources = Caffeine.newBuilder().maximumSize(tuning.resourceCapacity()).executor(Runnable::run).build();
        this.states = new ScripStates(this, tuning.stateCapacity());
        this.refunds = new Refunds(this, journal);
        this.entitlements = new Entitlements(this, journal, tuning.stateCapacity());
        this.chains = new Chains(this, journal, tuning.stateCapacity());
        this.voids = new VoidQueue(this, refunds);
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
        return open(databaseFile, durability, Limits.DEFAULTS);
    }

    /**
     * Opens (or creates) the ledger like {@link #open(Path, Durability)}, with these bounds on what it keeps on disk.
     *
     * @since 0.2
     */
    public static SqliteLedger open(Path databaseFile, Durability durability, Limits limits) {
        Objects.requireNonNull(limits, "limits cannot be null.");
        return open(databaseFile, durability, Tuning.DEFAULTS.withLimits(limits));
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
        return chargeScrip(scrip, amountMicros, resource, 0, null);
    }

    /**
     * Reserves the amount on the scrip's state by compare-and-set and appends its CHARGE record, which entitles its
     * buyer to the resource until {@code entitledUntilMillis} unless that is 0. {@code published}, if given, gets
     * the record's seq once it is published, before the wait for durability.
     *
     * <p>Nothing is written for a charge that is refused: a first-seen scrip's row is inserted only if its budget
     * could cover the amount, and a resource's row only once the amount is reserved, so the {@code resources} table
     * grows only with charges (docs/LEDGER.md, "Bounds").
     */
    ChargeResult chargeScrip(ScripAccount scrip, long amountMicros, String resource, long entitledUntilMillis,
                             LongConsumer published) throws LedgerUnavailableException {
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        ScripState state = states.get(key);
        if (state == null) {
            // A scrip that cannot pay even from its whole budget is looked up, never recorded.
            state = states.load(key, scrip, amountMicros <= scrip.budgetMicros());
            if (state == null) {
                return new ChargeResult.Insufficient(scrip.budgetMicros());
            }
        }
        ScripStates.checkBudget(state, scrip);
        long spent;
        while (true) {
            spent = state.spent();
            if (spent == ScripState.RETIRED) {
                state = states.load(key, scrip, true); // evicted meanwhile
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
            seq = journal.append(true, JournalRecord.CHARGE, state.id, amountMicros, resourceId(resource),
                    System.currentTimeMillis(), 0, entitledUntilMillis);
        } catch (LedgerUnavailableException e) {
            state.addSpent(-amountMicros); // nothing was written: give the budget back
            throw e;
        }
        if (published != null) {
            published.accept(seq);
        }
        appended(seq);
        return new ChargeResult.Charged(receipts.format(seq), amountMicros, state.budget - spent - amountMicros);
    }

    /** After a charge's record is published: wakes the materializer for a full batch, waits for durability. */
    void appended(long seq) throws LedgerUnavailableException {
        if ((seq & batchMask) == 0) {
            materializer.wake();
        }
        if (sync) {
            journal.awaitDurable(seq, System.nanoTime() + waitTimeoutNanos);
        }
    }

    /**
     * The row id of a resource, inserting its row on first sight. Call it only for a charge whose amount is reserved:
     * a refused request must not grow the table.
     */
    int resourceId(String resource) throws LedgerUnavailableException {
        Integer cached = resources.getIfPresent(resource);
        if (cached != null) {
            return cached;
        }
        return withDb("ledger write failed", db -> {
            Integer known = knownResourceId(db, resource);
            db.commit(); // end the read: a write started from a read fails at once if SQLite is busy
            if (known != null) {
                return known;
            }
            db.insertResource.setString(1, resource);
            db.insertResource.executeUpdate();
            db.selectResource.setString(1, resource);
            Integer id = null;
            try (ResultSet rs = db.selectResource.executeQuery()) {
                if (rs.next()) {
                    id = rs.getInt(1);
                }
            }
            db.commit();
            if (id == null) {
                throw new SQLException("resource row vanished after its insert");
            }
            resources.put(resource, id);
            return id;
        });
    }

    /**
     * The row id of a resource if it has a row, else {@code null}; never inserts (lookups before a charge). Database
     * lock held.
     */
    Integer knownResourceId(LedgerStore db, String resource) throws SQLException {
        Integer id = resources.getIfPresent(resource);
        if (id == null) {
            db.selectResource.setString(1, resource);
            try (ResultSet rs = db.selectResource.executeQuery()) {
                if (rs.next()) {
                    id = rs.getInt(1);
                    resources.put(resource, id);
                }
            }
        }
        return id;
    }

    // ---------------------------------------------------------------- refund

    @Override
    public boolean refund(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        return refunds.refund(receiptSeqOf(receiptId), receiptId);
    }

    private long receiptSeqOf(String receiptId) {
        long seq = receipts.parse(receiptId);
        if (seq < 0) {
            throw new IllegalArgumentException("no such receipt: " + receiptId);
        }
        return seq;
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
                state = states.load(key, scrip, false);
                if (state == null) {
                    return scrip.budgetMicros();
                }
            }
            long spent = state.spent();
            if (spent != ScripState.RETIRED) {
                ScripStates.checkBudget(state, scrip);
                return state.budget - spent;
            }
            states.forget(state);
        }
    }

    @Override
    public boolean closeUnused(ScripAccount scrip) throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        ensureOpen();
        return states.closeUnused(new ScripState.Key(scrip.issuer(), scrip.jti()), scrip);
    }

    @Override
    public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        ensureOpen();
        return withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return ScripStates.unsettled(db, limit);
        });
    }

    @Override
    public void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        if (settledMicros < 0) {
            throw new IllegalArgumentException("settled amount must not be negative: " + settledMicros);
        }
        ensureOpen();
        String rejected = withDb("ledger write failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return ScripStates.markSettled(db, issuer, jti, settledMicros);
        });
        if (rejected != null) {
            throw new IllegalArgumentException(rejected);
        }
    }

    @Override
    public Sales sales(int recentLimit) throws LedgerUnavailableException {
        if (recentLimit < 0 || recentLimit > 1000) {
            throw new IllegalArgumentException("recentLimit must be 0 to 1000: " + recentLimit);
        }
        ensureOpen();
        return withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return SalesQueries.read(db, receipts, recentLimit);
        });
    }

    // ---------------------------------------------------------------- streams

    @Override
    public ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, Instant now,
                                     Instant entitledUntil) throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        Objects.requireNonNull(stream, "stream cannot be null.");
        Objects.requireNonNull(now, "now cannot be null.");
        Objects.requireNonNull(entitledUntil, "entitledUntil cannot be null.");
        if (amountMicros < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amountMicros);
        }
        if (!entitledUntil.isAfter(now)) {
            throw new IllegalArgumentException("entitledUntil " + entitledUntil + " must be after now " + now);
        }
        ensureOpen();
        return entitlements.chargeStream(scrip, amountMicros, stream, now, entitledUntil);
    }

    // ---------------------------------------------------------------- chains

    @Override
    public ChainHead chainHead(ChainAccount chain) throws LedgerUnavailableException {
        Objects.requireNonNull(chain, "chain cannot be null.");
        ensureOpen();
        return chains.head(chain);
    }

    @Override
    public ChargeResult chargeChain(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                                    String resource) throws LedgerUnavailableException {
        Objects.requireNonNull(chain, "chain cannot be null.");
        Objects.requireNonNull(expected, "expected cannot be null.");
        Objects.requireNonNull(word, "word cannot be null.");
        Objects.requireNonNull(resource, "resource cannot be null.");
        if (amountMicros < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amountMicros);
        }
        ensureOpen();
        return chains.charge(chain, expected, index, word, amountMicros, resource);
    }

    @Override
    public Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        ensureOpen();
        return chains.commitment(issuer, commitmentId);
    }

    @Override
    public List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        ensureOpen();
        return withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return Chains.unsettled(db, limit);
        });
    }

    @Override
    public void markChainSettled(String issuer, String commitmentId, long settledMicros, int settledIndex)
            throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(commitmentId, "commitmentId cannot be null.");
        if (settledMicros < 0 || settledIndex < 0) {
            throw new IllegalArgumentException("settled amount and index must not be negative: " + settledMicros
                    + ", " + settledIndex);
        }
        ensureOpen();
        String rejected = withDb("ledger write failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return Chains.markSettled(db, issuer, commitmentId, settledMicros, settledIndex);
        });
        if (rejected != null) {
            throw new IllegalArgumentException(rejected);
        }
    }

    // ---------------------------------------------------------------- online voids

    @Override
    public void queueVoid(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        voids.queue(receiptSeqOf(receiptId), receiptId);
    }

    @Override
    public List<PendingVoid> pendingVoids(int limit) throws LedgerUnavailableException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        ensureOpen();
        return withDb("ledger read failed", db -> {
            materializer.catchUp(db, Materializer.Mode.LIVE);
            return voids.pending(db, limit);
        });
    }

    @Override
    public void voidConfirmed(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        long seq = receipts.parse(receiptId);
        if (seq < 0) {
            return;
        }
        withDb("ledger write failed", db -> {
            VoidQueue.confirmed(db, seq);
            return null;
        });
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
            long now = System.currentTimeMillis();
            states.evictIdle(now, refunds);
            chains.evictIdle(now, refunds);
        } finally {
            dbLock.unlock();
        }
    }

    /**
     * After a materializer commit: the scrip rows' totals and the chain rows' heads now, and the refunds folded in.
     * Database lock held.
     */
    void materialized(Map<Long, Long> spentByScrip, Map<Long, Fold.ChainTotals> chainTotals, List<Long> refunded) {
        states.materialized(spentByScrip);
        chains.materialized(chainTotals);
        refunds.materialized(refunded);
    }

    private void wakeMaterializer() {
        materializer.wake();
    }

    /** Folds in everything ready now, on the caller's thread. Database lock held. */
    void foldIn(LedgerStore db) throws SQLException {
        materializer.catchUp(db, Materializer.Mode.LIVE);
    }

    /** After a live materializer pass: everything below {@code checkpoint} is folded in. Database lock held. */
    void checkpointed(long checkpoint) {
        entitlements.checkpointed(checkpoint);
    }

    /** How many scrip states are in memory (tests). */
    int cachedStates() {
        return states.size();
    }

    /** The journal's reservation mark: how many slots were ever handed out (tests). */
    long journalMark() {
        return journal.reserved();
    }

    /** Tests only: the file system's usable bytes as the journal sees them when it creates a segment. */
    void usableSpace(java.util.function.LongSupplier bytes) {
        journal.usableSpace = bytes;
    }

    /** Tests only: {@code hook} runs in every journal append between the slot's reservation and its segment lookup. */
    void onJournalReserved(LongConsumer hook) {
        journal.reservedHook = hook;
    }

    ScripStates scripStates() {
        return states;
    }

    Refunds refunds() {
        return refunds;
    }

    Entitlements entitlements() {
        return entitlements;
    }

    Chains chains() {
        return chains;
    }

    boolean sync() {
        return sync;
    }

    long waitTimeoutNanos() {
        return waitTimeoutNanos;
    }

    String receiptId(long seq) {
        return receipts.format(seq);
    }

    long receiptSeq(String receiptId) {
        return receipts.parse(receiptId);
    }

    // ---------------------------------------------------------------- plumbing

    void ensureOpen() throws LedgerUnavailableException {
        if (closing.get()) {
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
    }

    /** SQLite work under the database lock; a failure rolls back and becomes {@code LedgerUnavailableException}. */
    interface DbWork<T> {
        T run(LedgerStore db) throws SQLException, LedgerUnavailableException;
    }

    <T> T withDb(String failure, DbWork<T> work) throws LedgerUnavailableException {
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
            dbLock.unlock();
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
        acquire(dbLock, waitTimeoutNanos, "ledger database stayed busy");
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
