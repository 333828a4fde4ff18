package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Every pass runs under the ledger's database lock.
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

    private final SqliteLedger ledger;
    private final Journal journal;
    private final long intervalNanos;
    private final long abandonNanos;
    /** The next slot to fold in. Guarded by the database lock. */
    private long checkpoint;
    /** (nanoTime, reservation mark) samples, to know which slots were reserved abandonMillis ago. */
    private final java.util.ArrayDeque<long[]> marks = new java.util.ArrayDeque<>();
    private long abandonBelow;
    private volatile boolean stopping;
    private volatile Thread thread;

    Materializer(SqliteLedger ledger, Journal journal, long intervalMillis, long abandonMillis) {
        this.ledger = ledger;
        this.journal = journal;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.abandonNanos = TimeUnit.MILLISECONDS.toNanos(abandonMillis);
    }

    // ---------------------------------------------------------------- thread

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (!stopping) {
            LockSupport.parkNanos(this, intervalNanos);
            if (stopping) {
                break;
            }
            try {
                ledger.backgroundPass();
            } catch (RuntimeException e) {
                LOG.error("Ledger materializer pass failed; retrying", e);
            }
            journal.prepareAhead();
        }
    }

    void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    void stop() {
        stopping = true;
        wake();
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
        TreeMap<Long, Path> files = Journal.listSegments(dbFile);
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
        // slots is handed out (Journal.map), so every slot ever handed out is below the end of the highest segment
        // file present, or below the checkpoint (segments are deleted only when wholly below it; deleting them all,
        // here and at close, waits for the checkpoint to be on disk). Raised only now: a checkpoint committed while
        // still folding must not pass records not folded in yet.
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
                    if (mode == Mode.LIVE && !journal.frozen()) {
                        break scan; // its segment is being created
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
        ledger.checkpointed(seq);
    }

    /** Totals of one scrip within a pass. */
    private static final class Totals {
        final long budget;
        long spent;

        Totals(long budget, long spent) {
            this.budget = budget;
            this.spent = spent;
        }
    }

    /** Head and totals of one PayWord chain within a pass. */
    private static final class ChainTotals {
        final long unit;
        final int length;
        int index;
        byte[] word;
        long spent;

        ChainTotals(long unit, int length, int index, byte[] word, long spent) {
            this.unit = unit;
            this.length = length;
            this.index = index;
            this.word = word;
            this.spent = spent;
        }

        long paid() {
            return index * unit;
        }
    }

    /** Applies records in slot order and moves the checkpoint to {@code newCheckpoint}, in one transaction. */
    private void apply(LedgerStore db, List<JournalRecord> records, long newCheckpoint) throws SQLException {
        Map<Long, Totals> totals = new HashMap<>();
        Map<Long, ChainTotals> chains = new HashMap<>();
        List<Long> refunded = new ArrayList<>();
        List<JournalRecord> batch = new ArrayList<>();
        try {
            for (JournalRecord record : records) {
                if (record.chain()) {
                    applyChain(db, record, chains, batch, totals, refunded);
                    continue;
                }
                Totals scrip = totals.get(record.scripId());
                if (scrip == null) {
                    scrip = loadTotals(db, record.scripId());
                    if (scrip == null) {
                        LOG.error("Journal slot {} refers to scrip {} which has no row; skipped", record.seq(),
                                record.scripId());
                        continue;
                    }
                    totals.put(record.scripId(), scrip);
                }
                if (record.type() == JournalRecord.CHARGE) {
                    if (scrip.spent + record.amount() > scrip.budget) {
                        // Only possible after an OS crash or power cut in PROCESS_CRASH_SAFE mode lost some records.
                        LOG.error("Journal charge {} would take scrip {} above its budget; skipped", record.seq(),
                                record.scripId());
                        continue;
                    }
                    addCharge(db, record, record.scripId(), null);
                    batch.add(record);
                    scrip.spent += record.amount();
                } else {
                    flush(db, batch, totals, chains);
                    if (refund(db, record, record.scripId(), null)) {
                        scrip.spent -= record.amount();
                    }
                    refunded.add(record.refSeq());
                }
            }
            flush(db, batch, totals, chains);
            for (Map.Entry<Long, Totals> entry : totals.entrySet()) {
                db.updateSpent.setLong(1, entry.getValue().spent);
                db.updateSpent.setLong(2, entry.getKey());
                db.updateSpent.executeUpdate();
            }
            for (Map.Entry<Long, ChainTotals> entry : chains.entrySet()) {
                ChainTotals chain = entry.getValue();
                db.updateChainTotals.setInt(1, chain.index);
                db.updateChainTotals.setBytes(2, chain.word);
                db.updateChainTotals.setLong(3, chain.spent);
                db.updateChainTotals.setLong(4, entry.getKey());
                db.updateChainTotals.executeUpdate();
            }
            db.setMeta(LedgerStore.META_CHECKPOINT, newCheckpoint);
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.insertCharge.clearBatch();
            throw e;
        }
        Map<Long, Long> spent = new HashMap<>();
        totals.forEach((id, t) -> spent.put(id, t.spent));
        ledger.materialized(spent, refunded);
    }

    /** An ADVANCE, or a CHARGE or REFUND on a chain: the head only moves up, spending stays within what was paid. */
    private static void applyChain(LedgerStore db, JournalRecord record, Map<Long, ChainTotals> chains,
                                   List<JournalRecord> batch, Map<Long, Totals> totals, List<Long> refunded)
            throws SQLException {
        ChainTotals chain = chains.get(record.scripId());
        if (chain == null) {
            chain = loadChain(db, record.scripId());
            if (chain == null) {
                LOG.error("Journal slot {} refers to chain {} which has no row; skipped", record.seq(),
                        record.scripId());
                return;
            }
            chains.put(record.scripId(), chain);
        }
        switch (record.type()) {
            case JournalRecord.ADVANCE -> {
                if (record.index() > chain.length) {
                    LOG.error("Journal slot {} moves chain {} beyond its length; skipped", record.seq(),
                            record.scripId());
                } else if (record.index() > chain.index) {
                    chain.index = record.index();
                    chain.word = record.word();
                }
            }
            case JournalRecord.CHARGE -> {
                if (chain.spent + record.amount() > chain.paid()) {
                    // Only possible after an OS crash or power cut in PROCESS_CRASH_SAFE mode lost some records.
                    LOG.error("Journal charge {} would take chain {} beyond what it paid; skipped", record.seq(),
                            record.scripId());
                    return;
                }
                addCharge(db, record, 0, record.scripId());
                batch.add(record);
                chain.spent += record.amount();
            }
            default -> {
                flush(db, batch, totals, chains);
                if (refund(db, record, 0, record.scripId())) {
                    chain.spent -= record.amount();
                }
                refunded.add(record.refSeq());
            }
        }
    }

    private static void addCharge(LedgerStore db, JournalRecord record, long scripId, Long chainId)
            throws SQLException {
        db.insertCharge.setLong(1, record.seq());
        db.insertCharge.setLong(2, scripId);
        db.insertCharge.setLong(3, record.amount());
        db.insertCharge.setInt(4, record.resourceId());
        db.insertCharge.setLong(5, record.createdMillis());
        if (record.entitledUntilMillis() != 0) {
            db.insertCharge.setLong(6, record.entitledUntilMillis());
        } else {
            db.insertCharge.setNull(6, Types.INTEGER);
        }
        if (chainId != null) {
            db.insertCharge.setLong(7, chainId);
        } else {
            db.insertCharge.setNull(7, Types.INTEGER);
        }
        db.insertCharge.addBatch();
    }

    /** Marks the refunded charge's row; {@code true} if that took money back from a folded-in charge. */
    private static boolean refund(LedgerStore db, JournalRecord record, long scripId, Long chainId)
            throws SQLException {
        db.refundCharge.setLong(1, record.refundMillis());
        db.refundCharge.setLong(2, record.refSeq());
        if (db.refundCharge.executeUpdate() == 1) {
            return true;
        }
        // The charge's own record is not folded in (it never will be, or it already is refunded).
        db.insertRefundedCharge.setLong(1, record.refSeq());
        db.insertRefundedCharge.setLong(2, scripId);
        db.insertRefundedCharge.setLong(3, record.amount());
        db.insertRefundedCharge.setInt(4, record.resourceId());
        db.insertRefundedCharge.setLong(5, record.createdMillis());
        db.insertRefundedCharge.setLong(6, record.refundMillis());
        if (chainId != null) {
            db.insertRefundedCharge.setLong(7, chainId);
        } else {
            db.insertRefundedCharge.setNull(7, Types.INTEGER);
        }
        db.insertRefundedCharge.executeUpdate();
        return false;
    }

    private static void flush(LedgerStore db, List<JournalRecord> batch, Map<Long, Totals> totals,
                              Map<Long, ChainTotals> chains) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        int[] counts = db.insertCharge.executeBatch();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) { // already folded in (cannot happen with the checkpoint in the same commit)
                JournalRecord record = batch.get(i);
                if (record.chain()) {
                    chains.get(record.scripId()).spent -= record.amount();
                } else {
                    totals.get(record.scripId()).spent -= record.amount();
                }
            }
        }
        batch.clear();
    }

    private static ChainTotals loadChain(LedgerStore db, long chainId) throws SQLException {
        db.selectChainTotals.setLong(1, chainId);
        try (ResultSet rs = db.selectChainTotals.executeQuery()) {
            return rs.next() ? new ChainTotals(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getBytes(4),
                    rs.getLong(5)) : null;
        }
    }

    private static Totals loadTotals(LedgerStore db, long scripId) throws SQLException {
        db.selectTotals.setLong(1, scripId);
        try (ResultSet rs = db.selectTotals.executeQuery()) {
            return rs.next() ? new Totals(rs.getLong(1), rs.getLong(2)) : null;
        }
    }
}
