package dev.tollgate.gateway.ledger;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live fold of journal records into SQLite, and its checkpoint: the next slot to fold in. Every caller holds the
 * database lock: the background thread ({@link FoldThread}), {@code unsettled}/{@code markSettled} and the other reads
 * that must see current totals, and close ({@link #drain}). Each pass commits its records and the checkpoint in one
 * transaction through {@link FoldWriter}, then tells {@link Entitlements} that the checkpoint moved. Recovery at open
 * ({@link Recovery}) sets the first checkpoint.
 *
 * <p>Checkpoint rule (live): the checkpoint advances over a contiguous run of slots that are VALID (folded in now) or
 * VOID, and stops at the first slot that is reserved but not yet published, unless that slot was already reserved
 * {@code abandonMillis} ago, in which case it is made VOID by compare-and-set (if its writer publishes first, the
 * record is folded in instead; if the writer loses, its charge fails and is undone). Records beyond an unpublished
 * slot wait for the next pass: folding a prefix in slot order keeps every scrip's folded total within its budget,
 * because a refund's record is published before the money it frees is reserved again, so it has the lower slot.
 */
final class Materializer {

    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);
    /** Logs the fold at close as the ledger did before this class took it over. */
    private static final Logger LEDGER_LOG = LoggerFactory.getLogger(SqliteLedger.class);
    static final int MAX_RECORDS_PER_PASS = 65_536;

    enum Mode {
        /** A running ledger: stop at a slot still being written. */
        LIVE,
        /** Closing: every reserved slot is published or will never be. */
        DRAIN
    }

    private final LockedStore store;
    private final Journal journal;
    private final FoldWriter writer;
    private final Entitlements entitlements;
    private final long abandonNanos;
    /** The next slot to fold in. Guarded by the database lock. */
    private long checkpoint;
    /** (nanoTime, reservation mark) samples, to know which slots were reserved abandonMillis ago. */
    private final ArrayDeque<long[]> marks = new ArrayDeque<>();
    private long abandonBelow;

    /** @param entitlements told when the checkpoint moves */
    Materializer(LockedStore store, Journal journal, FoldWriter writer, Entitlements entitlements,
                 long abandonMillis) {
        this.store = store;
        this.journal = journal;
        this.writer = writer;
        this.entitlements = entitlements;
        this.abandonNanos = TimeUnit.MILLISECONDS.toNanos(abandonMillis);
    }

    /** After recovery: the first checkpoint, where {@link Recovery} left off. Database lock held. */
    void start(long firstSeq) {
        checkpoint = firstSeq;
    }

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

    /**
     * At close, database lock held, once the journal takes no more records: folds in the whole journal and puts the
     * checkpoint on disk. {@code false} (logged) if it could not; the next open folds in what is left.
     */
    boolean drain() {
        try {
            LedgerStore db = store.store();
            try {
                catchUp(db, Mode.DRAIN);
                // The checkpoint must be on disk before the journal goes: it is then the only bound on the sequence
                // numbers to hand out after the next open.
                db.commitDurably();
                return true;
            } catch (SQLException | RuntimeException e) {
                store.rollback(db);
                throw e;
            }
        } catch (LedgerUnavailableException | SQLException | RuntimeException e) {
            LEDGER_LOG.error("Ledger at {} could not fold its journal in at close; it will at the next open",
                    store.file(), e);
            return false;
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
        writer.write(db, records, seq);
        checkpoint = seq;
        journal.materializedUpTo(seq);
        entitlements.checkpointed(seq);
    }
}
