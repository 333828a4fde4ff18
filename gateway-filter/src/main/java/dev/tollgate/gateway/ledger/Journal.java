package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal: files {@code <db file>.journal-<n>} of {@link JournalRecord#SLOT}-byte slots, segment {@code n}
 * holding slots {@code [n * slotsPerSegment, (n + 1) * slotsPerSegment)}, each kept in memory by a
 * {@link JournalSegment}: the shared mapping of its file, or (POWER_CUT_SAFE) a buffer that {@link #force} writes
 * through. See docs/LEDGER.md.
 *
 * <p>Appending reserves a slot with one {@code getAndIncrement}, copies the record into the segment's memory and
 * publishes it by compare-and-setting the slot's magic word from 0 to VALID. Anyone who gives up on a slot (its writer
 * on failure, the materializer for a slot that stayed empty too long, {@link #beginClose}) compare-and-sets it from 0
 * to VOID; so each slot ends up VALID or VOID exactly once, and a writer that loses that race knows its record does not
 * count. A slot given up while its segment does not exist (its creation failed) is remembered, and made VOID when the
 * segment is created, so a creation that fails (disk full) never stops the journal: the next one may succeed. The
 * segment files' life (creation, the disk reserve, deletion) is {@link JournalSegments}'; this class keeps the slot
 * protocol, the backlog and a cache of the segment being filled, which is all an append touches.
 *
 * <p>Bounded: charges are refused (after a short wait for the fold) while {@code maxBacklogSlots} records wait to be
 * folded into SQLite, and no segment is created while the file system would keep less than {@code diskReserveBytes}
 * free after it.
 */
final class Journal {

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[JournalRecord.SLOT]);

    /** What a slot holds, as seen by {@link #read}. */
    enum SlotState { EMPTY, VALID, VOID, TORN, MISSING }

    private final Path dbFile;
    private final int slotsPerSegment;
    private final int shift;
    private final long mask;
    private final AtomicLong next = new AtomicLong();
    private final JournalSegments segments;
    /** The highest segment looked up: an append in it finds it here, without a map lookup. */
    private volatile JournalSegment current;
    private volatile boolean closed;
    private final long maxBacklogSlots;
    private final long backlogWaitNanos;
    /** The materializer's thread, woken for a full batch or a full backlog; {@code null} until it runs. */
    private volatile Thread folder;
    /** Notified when the checkpoint moves (charges waiting for the backlog to shrink). */
    private final Object folded = new Object();
    /** Every slot below it is folded into SQLite (or void). */
    private volatile long materialized;
    /** Tests only: runs in {@link #append} between a slot's reservation and its segment lookup. */
    volatile LongConsumer reservedHook;
    /** Tests only: runs in {@link #force} before it writes; what it throws fails the sync as an I/O error would. */
    volatile Runnable beforeWriteHook;

    /**
     * @param writeOnSync POWER_CUT_SAFE: slots live in memory and reach the file only through {@link #force}; else
     *     they live in a shared mapping of the file
     * @param maxBacklogSlots charges are refused while this many records wait to be folded in
     * @param backlogWaitMillis how long a charge waits for the fold before it is refused
     * @param diskReserveBytes no segment is created that would leave less than this free
     */
    Journal(Path dbFile, int segmentBytes, boolean writeOnSync, long maxBacklogSlots, long backlogWaitMillis,
            long diskReserveBytes) {
        if (Integer.bitCount(segmentBytes) != 1 || segmentBytes < 4096) {
            throw new IllegalArgumentException("segmentBytes must be a power of two of at least 4096: " + segmentBytes);
        }
        this.maxBacklogSlots = maxBacklogSlots;
        this.backlogWaitNanos = TimeUnit.MILLISECONDS.toNanos(backlogWaitMillis);
        this.dbFile = dbFile;
        this.segments = new JournalSegments(dbFile, segmentBytes, writeOnSync, diskReserveBytes);
        this.slotsPerSegment = segmentBytes / JournalRecord.SLOT;
        this.shift = Integer.numberOfTrailingZeros(slotsPerSegment);
        this.mask = slotsPerSegment - 1;
    }

    int slotsPerSegment() {
        return slotsPerSegment;
    }

    /** After recovery: the first slot to hand out; everything below is folded in. */
    void start(long firstSeq) {
        next.set(firstSeq);
        materialized = firstSeq;
        segments.start(firstSeq);
    }

    /** Tests only: the file system's usable bytes as the journal sees them when it creates a segment. */
    void usableSpace(LongSupplier bytes) {
        segments.usableSpace = bytes;
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends a record and returns its slot number once it is published (in the page cache). Never returns for an
     * unpublished record; never throws for a published one.
     *
     * @param gated whether the record is refused while the backlog is full: a new charge is, a refund or the CHARGE
     *     that completes an advance already made is not (there are at most as many of those as charges in flight)
     * @throws LedgerUnavailableException the record was not written (closed, backlog full, no segment, I/O error)
     */
    long append(boolean gated, int type, long scripId, long amount, int resourceId, long createdMillis, long refSeq,
                long refundMillis) throws LedgerUnavailableException {
        long seq = reserve(gated);
        byte[] record = SCRATCH.get();
        JournalRecord.encode(record, 0, type, seq, scripId, amount, resourceId, createdMillis, refSeq, refundMillis);
        return publish(seq, record);
    }

    /** Appends an ADVANCE record of a PayWord chain, like a gated {@link #append}. */
    long appendAdvance(long chainId, int index, byte[] word) throws LedgerUnavailableException {
        long seq = reserve(true);
        byte[] record = SCRATCH.get();
        JournalRecord.encodeAdvance(record, 0, seq, chainId, index, word);
        return publish(seq, record);
    }

    /** Called on the materializer's thread when it starts: the thread {@link #wakeFold} wakes. */
    void foldBy(Thread thread) {
        folder = thread;
    }

    /** Wakes the materializer (a full batch, a full backlog, or close). */
    void wakeFold() {
        Thread t = folder;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private long reserve(boolean gated) throws LedgerUnavailableException {
        long mark = next.get();
        if (gated && mark - materialized >= maxBacklogSlots) {
            awaitFold();
        }
        JournalSegment c = current;
        if (c == null || c.index != mark >>> shift) {
            segments.refuseWhileCreationFails(mark >>> shift); // before taking a slot that could not be written
        }
        long seq = next.getAndIncrement();
        // Read after the increment: close() sets closed before reading next, so either close waits for this slot or
        // this append sees closed (see beginClose).
        if (closed) {
            abandon(seq);
            throw new LedgerUnavailableException("ledger journal at " + dbFile + " is closed");
        }
        LongConsumer hook = reservedHook;
        if (hook != null) {
            hook.accept(seq);
        }
        return seq;
    }

    private long publish(long seq, byte[] record) throws LedgerUnavailableException {
        JournalSegment segment;
        try {
            segment = segment(seq >>> shift);
        } catch (LedgerUnavailableException e) {
            abandon(seq);
            throw e;
        }
        int offset = (int) (seq & mask) * JournalRecord.SLOT;
        try {
            segment.buffer.put(offset, record, 0, JournalRecord.MAGIC_OFFSET);
            // A volatile compare-and-set: the fields above are visible to whoever reads the magic.
            if (INT.compareAndSet(segment.buffer, offset + JournalRecord.MAGIC_OFFSET, 0, JournalRecord.MAGIC_VALID)) {
                return seq;
            }
        } catch (RuntimeException | Error e) { // an I/O error on a mapping surfaces as InternalError
            abandon(seq);
            throw new LedgerUnavailableException("cannot write the ledger journal at " + dbFile, e);
        }
        throw new LedgerUnavailableException("journal slot " + seq + " was given up before it was written");
    }

    private JournalSegment segment(long index) throws LedgerUnavailableException {
        JournalSegment segment = current;
        if (segment != null && segment.index == index) {
            return segment;
        }
        segment = segments.get(index);
        if (segment == null) {
            segment = segments.create(index, true);
        }
        JournalSegment seen = current;
        if (seen == null || seen.index < index) {
            current = segment; // a benign race: any mapped segment is a correct answer for its own index
        }
        return segment;
    }

    /** Maps the segment after the one being filled, so a rollover rarely waits for it. Called by the fold thread. */
    void prepareAhead() {
        segments.prepareAhead(next.get());
    }

    /**
     * Waits (briefly) for the fold to bring the backlog under its bound, else refuses: the journal must not grow
     * without end while SQLite is behind (locked, slow, or its disk full).
     */
    private void awaitFold() throws LedgerUnavailableException {
        wakeFold();
        long deadline = System.nanoTime() + backlogWaitNanos;
        synchronized (folded) {
            while (next.get() - materialized >= maxBacklogSlots && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new LedgerUnavailableException("the ledger journal holds " + (next.get() - materialized)
                            + " records not yet folded into SQLite (at most " + maxBacklogSlots
                            + " are kept); refusing charges until the fold catches up");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(folded, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LedgerUnavailableException("interrupted waiting for the ledger's fold");
                }
            }
        }
    }

    /** Makes a reserved slot VOID unless it was published; {@code true} if it is VOID now. */
    boolean abandon(long seq) {
        JournalSegment segment = segments.get(seq >>> shift);
        if (segment == null) {
            segment = segments.giveUpIfMissing(seq);
            if (segment == null) {
                return true; // void by rule (see JournalSegments.giveUpIfMissing)
            }
        }
        int offset = (int) (seq & mask) * JournalRecord.SLOT + JournalRecord.MAGIC_OFFSET;
        return INT.compareAndSet(segment.buffer, offset, 0, JournalRecord.MAGIC_VOID)
                || (int) INT.getVolatile(segment.buffer, offset) == JournalRecord.MAGIC_VOID;
    }

    // ---------------------------------------------------------------- reading

    /** The slot number the next append gets: every slot below it is reserved. */
    long reserved() {
        return next.get();
    }

    /**
     * What slot {@code seq} holds; for VALID, its 64 bytes are copied into {@code into}. A slot in a segment that is
     * not mapped is MISSING: folded in and deleted, or never created.
     */
    SlotState read(long seq, byte[] into) {
        JournalSegment segment = segments.get(seq >>> shift);
        if (segment == null) {
            return SlotState.MISSING;
        }
        int offset = (int) (seq & mask) * JournalRecord.SLOT;
        int magic = (int) INT.getAcquire(segment.buffer, offset + JournalRecord.MAGIC_OFFSET);
        if (magic == 0) {
            return SlotState.EMPTY;
        }
        if (magic == JournalRecord.MAGIC_VOID) {
            return SlotState.VOID;
        }
        segment.buffer.get(offset, into, 0, JournalRecord.SLOT);
        return magic == JournalRecord.MAGIC_VALID ? SlotState.VALID : SlotState.TORN;
    }

    /** The record in slot {@code seq} if it is a valid one still in the journal, else {@code null}. */
    JournalRecord record(long seq) {
        byte[] bytes = new byte[JournalRecord.SLOT];
        return read(seq, bytes) == SlotState.VALID ? JournalRecord.decode(bytes, 0, seq) : null;
    }

    /** A slot no one will ever publish: its segment is frozen out, it was given up, or it is folded in. */
    boolean settled(long seq) {
        if (seq < materialized) {
            return true;
        }
        JournalSegment segment = segments.get(seq >>> shift);
        if (segment == null) {
            return segments.frozen() || segments.givenUp(seq);
        }
        return (int) INT.getAcquire(segment.buffer, (int) (seq & mask) * JournalRecord.SLOT
                + JournalRecord.MAGIC_OFFSET) != 0;
    }

    /** Every slot below it is folded into SQLite (or void). */
    long materialized() {
        return materialized;
    }

    boolean frozen() {
        return segments.frozen();
    }

    /** Whether slot {@code seq}, in a segment that does not exist, was given up by its writer (it is VOID). */
    boolean givenUp(long seq) {
        return segments.givenUp(seq);
    }

    /**
     * Writes slots {@code [from, upTo)} to their files and returns once they are on disk (group commit, POWER_CUT_SAFE
     * only): one {@code pwrite} and one {@code fdatasync} per segment the range touches (see
     * {@link JournalSegment#writeThrough} for why that survives a power cut). Every slot in the range must be settled.
     * Slots below the checkpoint are skipped: they are committed to SQLite, which syncs each commit in this mode, and
     * their segment may be deleted already.
     */
    void force(long from, long upTo) throws LedgerUnavailableException {
        try {
            Runnable hook = beforeWriteHook;
            if (hook != null) {
                hook.run();
            }
            from = Math.max(from, materialized);
            for (long index = from >>> shift; from < upTo; index++) {
                long end = Math.min(upTo, (index + 1) << shift);
                JournalSegment segment = segments.get(index);
                if (segment != null) {
                    try {
                        segment.writeThrough((int) (from & mask) * JournalRecord.SLOT,
                                (int) (end - from) * JournalRecord.SLOT);
                    } catch (ClosedChannelException e) {
                        if (end > materialized) {
                            throw e;
                        }
                        // Folded in after we looked it up, and closed for deletion: SQLite holds this part, synced.
                        // The range's later segments still need their write.
                    }
                } else if (closed && end > materialized) {
                    // Closed without folding it all in (SQLite failing): the segment's memory is gone unwritten.
                    throw new IOException("the journal was closed before the sync");
                } // else never created: every slot in it was given up (VOID)
                from = end;
            }
        } catch (IOException | RuntimeException e) {
            if (upTo <= materialized) {
                return; // folded in meanwhile, and its segment closed for deletion: SQLite holds the range, synced
            }
            throw new LedgerUnavailableException("cannot sync the ledger journal at " + dbFile
                    + "; the outcome is unknown", e);
        }
    }

    // ---------------------------------------------------------------- materializer bookkeeping

    /**
     * Everything below {@code checkpoint} is committed to SQLite: wakes the charges waiting for the backlog, then
     * deletes the segments wholly below it (see {@link JournalSegments#deleteFoldedIn} for why a late writer cannot
     * recreate one).
     */
    void materializedUpTo(long checkpoint) {
        materialized = checkpoint;
        synchronized (folded) {
            folded.notifyAll();
        }
        segments.deleteFoldedIn(checkpoint, next.get() >>> shift);
    }

    // ---------------------------------------------------------------- close

    /**
     * Takes no more records, then waits until every reserved slot is published or void (voiding those whose writers
     * are still busy at the deadline). Returns the slot number below which the journal is final.
     */
    long beginClose(long deadlineNanos) {
        closed = true;
        synchronized (folded) {
            folded.notifyAll(); // charges waiting for the fold give up
        }
        long high = next.get(); // after closed: any append that reserved beyond this sees closed
        segments.freeze();
        for (long seq = materialized; seq < high; seq++) {
            while (!settled(seq)) {
                if (System.nanoTime() - deadlineNanos > 0) {
                    if (abandon(seq)) {
                        LOG.warn("Journal slot {} was still being written at close; given up", seq);
                    }
                } else {
                    Thread.yield();
                }
            }
        }
        return high;
    }

    /** Unmaps (by dropping the buffers) and closes every segment; deletes them if all is folded in. */
    void close(boolean delete) {
        segments.close(delete);
        current = null;
    }
}
