package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fold at open: every valid record of every journal file a previous process left beyond the checkpoint goes into
 * SQLite before the ledger takes a charge, and the files are deleted. No writer is alive then, so, unlike a live pass
 * ({@link Materializer}), it need not stop at an empty slot: empty, void and torn slots are skipped (their writers
 * never acknowledged them) and the valid records after them are kept. Its other job is the first sequence number to
 * hand out, which must never repeat one handed out before, even one whose record a power cut lost.
 */
final class Recovery {

    /** Logs as the materializer, which recovered the journal before this class took it over. */
    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);

    private Recovery() {
    }

    /**
     * Folds the journal files of {@code dbFile} in through {@code writer} and returns the first slot to hand out: the
     * start of the segment after the highest journal file present, the checkpoint, or the slot after the last valid
     * record, whichever is highest. Database lock held.
     *
     * @param segmentSlots slots per segment from now on, stored for the next recovery
     */
    static long foldIn(LedgerStore db, Path dbFile, int segmentSlots, FoldWriter writer)
            throws SQLException, IOException {
        long checkpoint = db.metaLong(LedgerStore.META_CHECKPOINT);
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
                if (records.size() == Materializer.MAX_RECORDS_PER_PASS) {
                    writer.write(db, records, next);
                    recovered += records.size();
                    records.clear();
                }
            }
            writer.write(db, records, next);
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
}
