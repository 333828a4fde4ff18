package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * The embedded ledger: a memory-mapped journal that makes each charge durable, folded in the background into one
 * SQLite database file (WAL mode), the store of record. See docs/LEDGER.md for the design.
 *
 * <p>A charge is decided in memory, lock-free per scrip (compare-and-set on the scrip's reserved total), and made
 * durable by appending a 64-byte record to the journal: with {@link Durability#PROCESS_CRASH_SAFE} that is a store
 * into a shared mapping (no syscall, no thread handoff); with {@link Durability#POWER_CUT_SAFE} it is a store into
 * memory, and the caller waits for a group write and {@code fdatasync} covering it. SQLite is touched on the charge
 * path only the first time a scrip or a resource is seen.
 *
 * <p>This class checks arguments and calls into package-private collaborators that never call back into it;
 * {@link LedgerParts} opens, wires and closes them. Calls flow one way, from here down (docs/LEDGER.md, "Code"):
 * {@link LedgerParts}, {@link LockFile} (one ledger per file), {@link VoidQueue}
 * (the outbox of online voids), {@link Refunds}, {@link Chains} and {@link ChainRows} (PayWord: ADVANCE records move
 * a chain's head), {@link Settlement}, {@link FoldThread} (the background fold, which also evicts idle states),
 * {@link Materializer} (the live fold into SQLite and its checkpoint; {@link Recovery} at open), {@link FoldWriter},
 * {@link Entitlements} (streams: the entitlement is the CHARGE record that bought it), {@link ScripStates} (the plain
 * charge and the scrip states), {@link Resources}, {@link GroupCommit}, {@link Journal} (with
 * {@link JournalSegments}) and {@link LockedStore} (the database lock and connection); each uses only those after it.
 * The scrip and chain {@link StateMap}s and {@link PendingRefunds} are data they share.
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

    /** What a {@link ChargeResult.Charged} survives once returned. */
    public enum Durability {
        /**
         * The journal record is written to its file and {@code fdatasync}ed (group commit) before the charge
         * returns, and SQLite runs with {@code synchronous=FULL}: survives a killed process, an OS crash and a power
         * cut.
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

    private final LedgerParts parts;
    private final Path file;
    /** Set when {@link #close} begins. */
    private final AtomicBoolean closing;
    // The parts the charge paths call, held here so that a charge reads them as directly as before the split.
    private final ScripStates scrips;
    private final Entitlements entitlements;
    private final IdentifiedCharges identified;
    private final Chains chains;

    private SqliteLedger(LedgerParts parts) {
        this.parts = parts;
        this.file = parts.file;
        this.closing = parts.closing;
        this.scrips = parts.scrips;
        this.entitlements = parts.entitlements;
        this.identified = parts.identified;
        this.chains = parts.chains;
    }

    /**
     * The mark that {@code databaseFile} is a cluster node's ledger: {@code <file>.cluster}, holding its node id. It is
     * written by the shared store before the node's first cluster charge; a node that finds it must not charge as a
     * single node (docs/CLUSTER.md "Settlement").
     */
    public static Path clusterMarker(Path databaseFile) {
        return databaseFile.resolveSibling(databaseFile.getFileName() + ".cluster");
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
        return open(databaseFile, durability, LedgerTuning.DEFAULTS.withLimits(limits));
    }

    static SqliteLedger open(Path databaseFile, Durability durability, LedgerTuning tuning) {
        Objects.requireNonNull(databaseFile, "databaseFile cannot be null.");
        Objects.requireNonNull(durability, "durability cannot be null.");
        Objects.requireNonNull(tuning, "tuning cannot be null.");
        return new SqliteLedger(LedgerParts.open(databaseFile.toAbsolutePath().normalize(), durability, tuning));
    }

    // ---------------------------------------------------------------- charge

    @Override
    public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource)
            throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        Objects.requireNonNull(resource, "resource cannot be null.");
        requireNonNegative(amountMicros, "amount");
        ensureOpen();
        return scrips.charge(scrip, amountMicros, resource, 0, null, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Identifiers are kept for {@value PaymentIds#WINDOW_MILLIS} ms after their charge, at most four times the
     * scrip states' bound of them (docs/LEDGER.md, "Bounds"); the journal and SQLite keep a 16-byte hash of each.
     */
    @Override
    public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource, String paymentId)
            throws LedgerUnavailableException {
        checkIdentifiedCharge(scrip, amountMicros, resource, paymentId);
        return identified.charge(scrip, amountMicros, resource, paymentId);
    }

    /**
     * A plain charge, never answered as a replay, whose journal record and row keep the hash of {@code paymentId}:
     * for a caller that keeps payment identifiers itself (a cluster node, in Redis) and must find a charge's
     * identifier again at its refund, after a restart too ({@link #scripCharge}).
     *
     * @since 0.5
     */
    public ChargeResult chargeNamingPayment(ScripAccount scrip, long amountMicros, String resource, String paymentId)
            throws LedgerUnavailableException {
        checkIdentifiedCharge(scrip, amountMicros, resource, paymentId);
        return scrips.charge(scrip, amountMicros, resource, 0, PaymentIds.Hash.of(paymentId), null);
    }

    private void checkIdentifiedCharge(ScripAccount scrip, long amountMicros, String resource, String paymentId)
            throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        Objects.requireNonNull(resource, "resource cannot be null.");
        Objects.requireNonNull(paymentId, "paymentId cannot be null.");
        requireNonNegative(amountMicros, "amount");
        ensureOpen();
    }

    // ---------------------------------------------------------------- refund

    @Override
    public boolean refund(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        return parts.refunds.refund(receiptSeqOf(receiptId), receiptId);
    }

    private long receiptSeqOf(String receiptId) {
        long seq = parts.receipts.parse(receiptId);
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
        return scrips.remaining(scrip);
    }

    @Override
    public Optional<ScripAccount> scrip(String issuer, String jti) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        ensureOpen();
        return Optional.ofNullable(scrips.account(issuer, jti));
    }

    @Override
    public boolean closeUnused(ScripAccount scrip) throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        ensureOpen();
        return scrips.closeUnused(new ScripState.Key(scrip.issuer(), scrip.jti()), scrip);
    }

    @Override
    public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
        requireNonNegative(limit, "limit");
        ensureOpen();
        return parts.settlement.unsettled(null, limit);
    }

    @Override
    public List<ScripTotal> unsettled(String issuer, int limit) throws LedgerUnavailableException {
        checkIssuerRead(issuer, limit);
        return parts.settlement.unsettled(issuer, limit);
    }

    /** The checks of a read of one issuer's accounts. */
    private void checkIssuerRead(String issuer, int limit) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        requireNonNegative(limit, "limit");
        ensureOpen();
    }

    @Override
    public void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        requireNonNegative(settledMicros, "settled amount");
        ensureOpen();
        parts.settlement.markSettled(issuer, jti, settledMicros);
    }

    @Override
    public Sales sales(int recentLimit) throws LedgerUnavailableException {
        if (recentLimit < 0 || recentLimit > 1000) {
            throw new IllegalArgumentException("recentLimit must be 0 to 1000: " + recentLimit);
        }
        ensureOpen();
        return parts.store.withDb("ledger read failed", db -> {
            parts.materializer.catchUp(db, Materializer.Mode.LIVE);
            return SalesQueries.read(db, parts.receipts, recentLimit);
        });
    }

    // ---------------------------------------------------------------- for a shared ledger (since 0.5)

    /**
     * A charge on scrip, as {@link #scripCharge} finds it.
     *
     * @param issuer the scrip's issuer
     * @param jti the scrip's id
     * @param amountMicros what the charge was
     * @param paymentIdHash the first 16 bytes of the SHA-256 of the payment identifier it was made under, in lower-case
     *        hex, or {@code null}
     * @since 0.5
     */
    public record ScripCharge(String issuer, String jti, long amountMicros, String paymentIdHash) {

        /** A charge made under no payment identifier. */
        public ScripCharge(String issuer, String jti, long amountMicros) {
            this(issuer, jti, amountMicros, null);
        }
    }

    /**
     * The ledger's database file, absolute: a shared ledger keeps its node's marker next to it.
     *
     * @since 0.5
     */
    public Path file() {
        return file;
    }

    /**
     * The id drawn when this ledger's file was created (16 hex digits, in every receipt id): a cluster node's id,
     * one process at a time (the file's lock).
     *
     * @since 0.5
     */
    public String databaseId() {
        return parts.receipts.databaseId();
    }

    /**
     * What was charged on the scrip at this ledger, net of refunds, counting charges in flight: 0 for a scrip never
     * charged here. A shared ledger reports it as the node's consumption.
     *
     * @since 0.5
     */
    public long chargedMicros(String issuer, String jti) throws LedgerUnavailableException {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        ensureOpen();
        return scrips.charged(new ScripState.Key(issuer, jti));
    }

    /**
     * The scrip and amount of a receipt, refunded or not; empty for a charge on a PayWord chain.
     *
     * @throws IllegalArgumentException if no such receipt exists
     * @since 0.5
     */
    public Optional<ScripCharge> scripCharge(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        Refunds.StoredCharge charge = parts.refunds.find(receiptSeqOf(receiptId));
        if (charge == null) {
            throw new IllegalArgumentException("no such receipt: " + receiptId);
        }
        if (charge.chain()) {
            return Optional.empty();
        }
        ScripState.Key key = scrips.keyOf(charge.accountId());
        return Optional.of(new ScripCharge(key.issuer(), key.jti(), charge.amount(),
                charge.paymentId() == null ? null : HexFormat.of().formatHex(charge.paymentId().bytes())));
    }

    // ---------------------------------------------------------------- streams

    @Override
    public ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, Instant now,
                                     Instant entitledUntil) throws LedgerUnavailableException {
        Objects.requireNonNull(scrip, "scrip cannot be null.");
        Objects.requireNonNull(stream, "stream cannot be null.");
        Objects.requireNonNull(now, "now cannot be null.");
        Objects.requireNonNull(entitledUntil, "entitledUntil cannot be null.");
        requireNonNegative(amountMicros, "amount");
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
        requireNonNegative(amountMicros, "amount");
        ensureOpen();
        return chains.charge(chain, expected, index, word, amountMicros, resource);
    }

    @Override
    public Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        ensureOpen();
        return parts.chainRows.commitment(issuer, commitmentId);
    }

    @Override
    public List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException {
        requireNonNegative(limit, "limit");
        ensureOpen();
        return parts.settlement.unsettledChains(null, limit);
    }

    @Override
    public List<ChainTotal> unsettledChains(String issuer, int limit) throws LedgerUnavailableException {
        checkIssuerRead(issuer, limit);
        return parts.settlement.unsettledChains(issuer, limit);
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
        parts.settlement.markChainSettled(issuer, commitmentId, settledMicros, settledIndex);
    }

    // ---------------------------------------------------------------- online voids

    @Override
    public void queueVoid(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        parts.voids.queue(receiptSeqOf(receiptId), receiptId);
    }

    @Override
    public List<PendingVoid> pendingVoids(int limit) throws LedgerUnavailableException {
        requireNonNegative(limit, "limit");
        ensureOpen();
        return parts.voids.pending(null, limit);
    }

    @Override
    public List<PendingVoid> pendingVoids(String issuer, int limit) throws LedgerUnavailableException {
        checkIssuerRead(issuer, limit);
        return parts.voids.pending(issuer, limit);
    }

    @Override
    public void voidConfirmed(String receiptId) throws LedgerUnavailableException {
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        ensureOpen();
        long seq = parts.receipts.parse(receiptId);
        if (seq >= 0) {
            parts.voids.confirmed(seq);
        }
    }

    // ---------------------------------------------------------------- tests

    /** One materializer pass on the caller's thread: fold in what is ready, then evict idle states (tests). */
    void backgroundPass() {
        parts.foldThread.backgroundPass();
    }

    /** How many scrip states are in memory (tests). */
    int cachedStates() {
        return scrips.size();
    }

    /** How many payment identifiers are kept in memory (tests). */
    long keptPaymentIds() {
        return parts.paymentIds.size();
    }

    /** How many chain states are in memory (tests). */
    int cachedChains() {
        return chains.size();
    }

    /** Rows read from SQLite to decide whether new chains may be recorded (tests). */
    long certificateRowsRead() {
        return parts.chainRows.certificateRowsRead.sum();
    }

    /** Lookups of SQLite and the journal for stream entitlements (tests). */
    long entitlementLookups() {
        return entitlements.storeLookups.sum();
    }

    /** Keys remembered as having no entitlement (tests). */
    long entitlementMissesKept() {
        return entitlements.missesKept();
    }

    /** The journal's reservation mark: how many slots were ever handed out (tests). */
    long journalMark() {
        return parts.journal.reserved();
    }

    /** Whether journal slot {@code seq} is published, void or folded in: no one writes it any more (tests). */
    boolean journalSettled(long seq) {
        return parts.journal.settled(seq);
    }

    /** How many group syncs of the journal ran (POWER_CUT_SAFE; tests). */
    long journalSyncs() {
        return parts.commit.syncs();
    }

    /** How many transactions inserted the rows of first-seen scrip (tests). */
    long scripRowCommits() {
        return parts.scrips.rowCommits();
    }

    /** How many first charges wait for the database lock to have their scrip's row inserted (tests). */
    int scripRowsWaiting() {
        return parts.scrips.rowsWaiting();
    }

    /** Tests only: runs {@code work} holding the database lock, as a fold pass or a first charge would. */
    void holdingDatabase(Runnable work) throws LedgerUnavailableException {
        parts.store.withDb("test", db -> {
            work.run();
            return null;
        });
    }

    /** Tests only: {@code hook} runs in every journal sync before it writes; what it throws fails the sync. */
    void beforeJournalWrite(Runnable hook) {
        parts.journal.beforeWriteHook = hook;
    }

    /** Tests only: the file system's usable bytes as the journal sees them when it creates a segment. */
    void usableSpace(LongSupplier bytes) {
        parts.journal.usableSpace(bytes);
    }

    /** Tests only: {@code hook} runs in every journal append between the slot's reservation and its segment lookup. */
    void onJournalReserved(LongConsumer hook) {
        parts.journal.reservedHook = hook;
    }

    /** Tests only: {@code hook} runs in {@link #refund} right after the REFUND record is appended, with its seq. */
    void onRefundAppended(LongConsumer hook) {
        parts.refunds.appendedHook = hook;
    }

    // ---------------------------------------------------------------- plumbing

    private static void requireNonNegative(long value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
    }

    private void ensureOpen() throws LedgerUnavailableException {
        if (closing.get()) {
            throw new LedgerUnavailableException("ledger at " + file + " is closed");
        }
    }

    /**
     * Stops taking operations, folds the whole journal into SQLite, deletes it and closes the database. Idempotent.
     */
    @Override
    public void close() {
        parts.close();
    }
}
