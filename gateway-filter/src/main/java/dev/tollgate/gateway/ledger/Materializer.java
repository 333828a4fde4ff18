package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds journal records into SQLite: per-charge rows, refunds, the scrip totals and the checkpoint, in one transaction
 * per pass, so a crash never applies a record twice. Runs on its own daemon thread every interval (or when a batch of
 * records waits), and synchronously for recovery at open, for {@code unsettled}/{@code markSettled}, and at close.
 * Every pass runs under the ledger's database lock. After each commit it records in the scrip and chain states what
 * their rows hold now (the eviction rule compares with it) and takes the folded-in refunds out of
 * {@link PendingRefunds}. Its background passes also evict idle states.
 *
 * <p>Checkpoint rule (live): the checkpoint advances over a contiguous run of slots that are VALID (folded in now) or
 * VOID, and stops at the first slot that is reserved but not yet published, unless that slot was already reserved
 * {@code abandonMillis} ago, in which case it is made VOID by compare-and-set (if its writer publishes first, the
 * record is folded in instead; if the writer loses, its charge fails and is undone). Records beyond an unpublished
 * slot wait for the next pass: folding a prefix in slot order keeps every scrip's folded total within its budget,
 * because a refund's record is published before the money it frees is reserved again, so it has the lower slot.
 */
final class Materializer implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);
    static final int MAX_RECORDS_PER_PASS = 65_536;

    enum Mode {
        /** A running ledger: stop at a slot still being written. */
        LIVE,
        /** Closing: every reserved slot is published or will never be. */
        DRAIN
    }

    /** Logs its passes as the ledger did before this class took them over. */
    private static final Logger LEDGER_LOG = LoggerFactory.getLogger(SqliteLedger.class);

    private final LockedStore store;
    private final Journal journal;
    private final StateMap<ScripState.Key, ScripState> scrips;
    private final StateMap<ChainState.Key, ChainState> chains;
    private final PendingRefunds refunds;
    private final Entitlements entitlements;
    private final long intervalNanos;
    private final long abandonNanos;
    /** The next slot to fold in. Guarded by the database lock. */
    private long checkpoint;
    /** (nanoTime, reservation mark) samples, to know which slots were reserved abandonMillis ago. */
    private final java.util.ArrayDeque<long[]> marks = new java.util.ArrayDeque<>();
    private long abandonBelow;
    private volatile boolean stopping;

    /**
     * @param scrips the scrip states, whose folded-in totals it records and which it evicts
     * @param chains the chain states, likewise
     * @param refunds the refunds in the journal, taken out as they are folded in
     * @param entitlements told when the checkpoint moves
     */
    Materializer(LockedStore store, Journal journal, StateMap<ScripState.Key, ScripState> scrips,
                 StateMap<ChainState.Key, ChainState> chains, PendingRefunds refunds, Entitlements entitlements,
                 long intervalMillis, long abandonMillis) {
        this.store = store;
        this.journal = journal;
        this.scrips = scrips;
        this.chains = chains;
        this.refunds = refunds;
        this.entitlements = entitlements;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.abandonNanos = TimeUnit.MILLISECONDS.toNanos(abandonMillis);
    }

    // ---------------------------------------------------------------- thread

    @Override
    public void run() {
        journal.foldBy(Thread.currentThread());
        while (!stopping) {
            LockSupport.parkNanos(this, intervalNanos);
            if (stopping) {
                break;
            }
            try {
                backgroundPass();
            } catch (RuntimeException e) {
                LOG.error("Ledger materializer pass failed; retrying", e);
            }
            journal.prepareAhead();
        }
    }

    void stop() {
        stopping = true;
        journal.wakeFold();
    }

    /** One background pass: fold in what is ready, then evict idle states. */
    void backgroundPass() {
        if (store.closed()) {
            return;
        }
        store.lock();
        try {
            if (store.closed()) {
                return;
            }
            LedgerStore db;
            try {
                db = store.store();
            } catch (LedgerUnavailableException e) {
                LEDGER_LOG.error("Ledger materializer cannot reach {}; retrying", store.file(), e);
                return;
            }
            try {
                catchUp(db, Mode.LIVE);
            } catch (SQLException | RuntimeException e) {
                LEDGER_LOG.error("Ledger materializer pass on {} failed; retrying", store.file(), e);
                store.rollback(db);
                return;
            }
            long now = System.currentTimeMillis();
            scrips.evictIdle(now, refunds);
            chains.evictIdle(now, refunds);
        } finally {
            store.unlock();
        }
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Folds every valid record of every journal file beyond the checkpoint into SQLite (torn and empty slots are
     * skipped: their writers never acknowledged them), deletes the files, and returns the first slot to hand out:
     * the start of the segment after the highest journal file present, the checkpoint, or the slot after the last
     * valid record, whichever is highest, so no sequence number is handed out twice.
     */
    long recover(LedgerStore db, Path dbFile, int segmentSlots) throws SQLException, IOException {
        checkpoint = db.metaLong(LedgerStore.META_CHECKPOINT);
        int storedSlots = (int) db.metaLong(LedgerStore.META_SEGMENT_SLOTS);
        db.commit();
        TreeMap<Long, Path> files = JournalSegment.list(dbFile);
        long next = checkpoint; // while folding: the slot after the last record folded in (an intermediate checkpoint)
        int recovered = 0;
        int skipped = 0;
        for (Map.Entry<Long, Path> file : files.entrySet()) {
            long first = file.getKey() * storedSlots;
            if (first + storedSlots <= checkpoint) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(file.getValue());
            int slots = Math.min(storedSlots, bytes.length / JournalRecord.SLOT);
            List<JournalRecord> records = new ArrayList<>();
            for (int i = (int) Math.max(0, checkpoint - first); i < slots; i++) {
                int offset = i * JournalRecord.SLOT;
                int magic = JournalRecord.magic(bytes, offset);
                if (magic == 0 || magic == JournalRecord.MAGIC_VOID) {
                    continue;
                }
                JournalRecord record = magic == JournalRecord.MAGIC_VALID
                        ? JournalRecord.decode(bytes, offset, first + i) : null;
                if (record == null) {
                    skipped++;
                    continue;
                }
                records.add(record);
                next = Math.max(next, record.seq() + 1);
                if (records.size() == MAX_RECORDS_PER_PASS) {
                    apply(db, records, next);
                    recovered += records.size();
                    records.clear();
                }
            }
            apply(db, records, next);
            recovered += records.size();
        }
        // Never hand out a sequence number again, even one whose record a power cut lost (PROCESS_CRASH_SAFE keeps
        // acknowledged records only in the page cache). A segment file is on disk, name included, before any of its
        // slots is handed out (JournalSegment.create), so every slot ever handed out is below the end of the highest
        // segment file present, or below the checkpoint (segments are deleted only when wholly below it; deleting
        // them all, here and at close, waits for the checkpoint to be on disk). Raised only now: a checkpoint
        // committed while still folding must not pass records not folded in yet.
        if (!files.isEmpty()) {
            long last = files.lastKey();
            if (last >= ReceiptIds.SEQ_LIMIT / storedSlots) {
                throw new IllegalStateException("journal sequence numbers are exhausted (journal file " + last + ")");
            }
            next = Math.max(next, (last + 1) * storedSlots);
        }
        if (next >= ReceiptIds.SEQ_LIMIT) {
            throw new IllegalStateException("journal sequence numbers are exhausted");
        }
        checkpoint = next;
        db.setMeta(LedgerStore.META_CHECKPOINT, next);
        db.setMeta(LedgerStore.META_SEGMENT_SLOTS, segmentSlots);
        if (files.isEmpty()) {
            db.commit();
        } else {
            db.commitDurably(); // the files go next: the new checkpoint must not be lost with them
        }
        for (Path path : files.values()) {
            Files.deleteIfExists(path);
        }
        if (!files.isEmpty()) {
            LOG.info("Ledger {} recovered {} journal records from {} files ({} torn slots skipped); next slot {}",
                    dbFile, recovered, files.size(), skipped, next);
        }
        return next;
    }

    // ---------------------------------------------------------------- passes

    /** Folds in everything ready now (several passes if needed). Caller holds the database lock. */
    void catchUp(LedgerStore db, Mode mode) throws SQLException {
        long target = journal.reserved();
        while (checkpoint < target) {
            long before = checkpoint;
            pass(db, mode);
            if (checkpoint == before) {
                return; // stopped at a slot still being written
            }
        }
    }

    private void pass(LedgerStore db, Mode mode) throws SQLException {
        long high = journal.reserved();
        long now = System.nanoTime();
        marks.addLast(new long[] {now, high});
        while (!marks.isEmpty() && now - marks.peekFirst()[0] >= abandonNanos) {
            abandonBelow = Math.max(abandonBelow, marks.pollFirst()[1]);
        }
        while (marks.size() > 1024) {
            marks.pollFirst();
        }
        byte[] bytes = new byte[JournalRecord.SLOT];
        List<JournalRecord> records = new ArrayList<>();
        long seq = checkpoint;
        scan:
        while (seq < high && records.size() < MAX_RECORDS_PER_PASS) {
            switch (journal.read(seq, bytes)) {
                case VALID -> {
                    JournalRecord record = JournalRecord.decode(bytes, 0, seq);
                    if (record == null) {
                        LOG.error("Journal slot {} is corrupt; skipped", seq);
                    } else {
                        records.add(record);
                    }
                }
                case VOID -> {
                }
                case TORN -> LOG.error("Journal slot {} has an unknown magic word; skipped", seq);
                case EMPTY -> {
                    if (mode == Mode.LIVE && seq >= abandonBelow) {
                        break scan; // still being written: the checkpoint waits here
                    }
                    if (!journal.abandon(seq)) {
                        continue; // published meanwhile: read it again
                    }
                    LOG.warn("Journal slot {} was reserved but never written; given up", seq);
                }
                case MISSING -> {
                    if (mode == Mode.LIVE && !journal.frozen() && !journal.givenUp(seq)) {
                        if (seq >= abandonBelow) {
                            break scan; // its segment is being created (or its creation failed)
                        }
                        if (!journal.abandon(seq)) {
                            continue; // its segment was created and the slot published meanwhile: read it again
                        }
                        LOG.warn("Journal slot {} was reserved but its segment never created; given up", seq);
                    }
                }
            }
            seq++;
        }
        if (seq == checkpoint) {
            return;
        }
        apply(db, records, seq);
        checkpoint = seq;
        journal.materializedUpTo(seq);
        entitlements.checkpointed(seq);
    }

    /** Applies records in slot order and moves the checkpoint to {@code newCheckpoint}, in one transaction. */
    private void apply(LedgerStore db, List<JournalRecord> records, long newCheckpoint) throws SQLException {
        Fold fold = new Fold(db);
        try {
            for (JournalRecord record : records) {
                fold.apply(record);
            }
            fold.writeTotals();
            db.setMeta(LedgerStore.META_CHECKPOINT, newCheckpoint);
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.insertCharge.clearBatch();
            throw e;
        }
        materialized(fold);
    }

    /** After a commit: the scrip rows' totals and the chain rows' heads now, and the refunds folded in. */
    private void materialized(Fold fold) {
        fold.spentByScrip().forEach((id, spent) -> {
            ScripState state = scrips.byId(id);
            if (state != null) {
                state.materialized = spent;
            }
        });
        fold.chainTotals().forEach((id, t) -> {
            ChainState state = chains.byId(id);
            if (state != null) {
                state.materializedIndex = t.index;
                state.materializedSpent = t.spent;
            }
        });
        refunds.materialized(fold.refunded());
    }
}
