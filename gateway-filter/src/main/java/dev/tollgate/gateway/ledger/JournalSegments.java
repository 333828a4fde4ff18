package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment files of the {@link Journal} (each with its slots in memory, {@link JournalSegment}): creating them (on
 * rollover or ahead of time) only while the disk reserve stays free, failing closed and retrying after a failed
 * creation, deleting those wholly folded in, and the slots given up while their segment did not exist. Apart from the
 * journal's append path so that the path keeps only the slot protocol: an append that finds its segment in
 * {@link Journal}'s cache of the current one never comes here.
 *
 * <p>Creation and deletion run under one lock ({@link #lock}). Deletion raises {@link #foldedBelow} before it takes
 * the lock, so {@link #create} either returns a segment before it goes (its slots are VALID or VOID: a late writer
 * loses its compare-and-set) or sees the new mark and refuses to recreate it. This class keeps its own copy of the
 * checkpoint for that reason: it must be read under the lock, not handed in by a caller who read it before.
 */
final class JournalSegments {

    /** Logs as the {@link Journal}, whose files these are. */
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    /** After a segment could not be created, appends that would need it are refused this long before a retry. */
    private static final long CREATE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Path dbFile;
    private final int segmentBytes;
    private final int slotsPerSegment;
    private final int shift;
    private final long diskReserveBytes;
    /** Slots in direct buffers written through on sync (POWER_CUT_SAFE), rather than in shared mappings. */
    private final boolean writeOnSync;
    private final Map<Long, JournalSegment> segments = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** No segment is created any more: set by close. Guarded by lock. */
    private volatile boolean frozen;
    /** Why the last segment creation failed, or {@code null}; set and cleared under lock. */
    private volatile String failure;
    /** While {@link #failure} is set: no creation is tried before this {@code nanoTime}. */
    private volatile long retryCreateAtNanos;
    /**
     * Slots given up while their segment did not exist: VOID by rule, and made VOID when the segment is created (a
     * writer stalled before its segment lookup then fails its compare-and-set). Pruned below the checkpoint's
     * segment. Added to and taken from under lock.
     */
    private final ConcurrentSkipListSet<Long> givenUp = new ConcurrentSkipListSet<>();
    /** Every slot below it is folded into SQLite (or void): the journal's checkpoint, as deletion last saw it. */
    private volatile long foldedBelow;
    /** Tests only: the file system's usable bytes, instead of asking it. */
    volatile LongSupplier usableSpace;

    /**
     * @param writeOnSync keep the slots in direct buffers that the group commit writes through, rather than in shared
     *     mappings of the files
     * @param diskReserveBytes no segment is created that would leave less than this free
     */
    JournalSegments(Path dbFile, int segmentBytes, boolean writeOnSync, long diskReserveBytes) {
        this.dbFile = dbFile;
        this.segmentBytes = segmentBytes;
        this.slotsPerSegment = segmentBytes / JournalRecord.SLOT;
        this.shift = Integer.numberOfTrailingZeros(slotsPerSegment);
        this.diskReserveBytes = diskReserveBytes;
        this.writeOnSync = writeOnSync;
    }

    /** After recovery: everything below {@code firstSeq} is folded in. */
    void start(long firstSeq) {
        foldedBelow = firstSeq;
    }

    /** Segment {@code index} if it is mapped, else {@code null}. */
    JournalSegment get(long index) {
        return segments.get(index);
    }

    boolean frozen() {
        return frozen;
    }

    /** Whether slot {@code seq}, in a segment that does not exist, was given up by its writer (it is VOID). */
    boolean givenUp(long seq) {
        return givenUp.contains(seq);
    }

    /** Refuses an append whose segment is missing while creating segments fails, until the next retry. */
    void refuseWhileCreationFails(long index) throws LedgerUnavailableException {
        String why = failure;
        if (why != null && System.nanoTime() - retryCreateAtNanos < 0 && !segments.containsKey(index)) {
            throw new LedgerUnavailableException("the ledger journal cannot grow: " + why);
        }
    }

    /**
     * Maps the segment after the one {@code reserved} (the journal's reservation mark) is in once that one is half
     * full, so a rollover rarely waits for it.
     */
    void prepareAhead(long reserved) {
        if ((reserved & (slotsPerSegment - 1)) < slotsPerSegment / 2 || segments.containsKey((reserved >>> shift) + 1)
                || (failure != null && System.nanoTime() - retryCreateAtNanos < 0)) {
            return;
        }
        try {
            create((reserved >>> shift) + 1, false);
        } catch (LedgerUnavailableException e) {
            LOG.debug("Cannot prepare the next ledger journal segment; will retry: {}", e.getMessage());
        }
    }

    /**
     * Segment {@code index}, mapped now if it was not; the slots given up in it are made VOID before anyone can find
     * it.
     *
     * @param rollover whether a writer needs it now (for the log), rather than {@link #prepareAhead}
     * @throws LedgerUnavailableException if it cannot be created (logged once until a creation works again), the
     *     journal is frozen, or the segment was wholly folded in and deleted
     */
    JournalSegment create(long index, boolean rollover) throws LedgerUnavailableException {
        synchronized (lock) {
            JournalSegment existing = segments.get(index);
            if (existing != null) {
                return existing;
            }
            if (frozen) {
                throw new LedgerUnavailableException("ledger journal at " + dbFile + " takes no more records");
            }
            if (((index + 1) << shift) <= foldedBelow) {
                // Wholly folded in (every slot VALID or VOID) and deleted, under this lock, by deleteFoldedIn. Only
                // a writer that stalled past abandonMillis between its reservation and here asks for it: its slot was
                // voided, and a fresh file would take a record no pass reads and the next pass deletes.
                throw new LedgerUnavailableException("journal segment " + index + " of " + dbFile
                        + " is already folded in; the slot was given up before it was written");
            }
            Path path = JournalSegment.path(dbFile, index);
            try {
                checkDiskReserve(path);
                JournalSegment segment = JournalSegment.create(index, path, segmentBytes, writeOnSync);
                // Slots given up while it did not exist: void them before any writer can find it.
                long first = index << shift;
                for (long seq : givenUp.subSet(first, first + slotsPerSegment)) {
                    segment.voidIfEmpty((int) (seq & (slotsPerSegment - 1)));
                }
                givenUp.subSet(first, first + slotsPerSegment).clear();
                segments.put(index, segment);
                if (failure != null) {
                    failure = null;
                    LOG.info("Ledger journal segment {} created; the journal takes records again", path);
                }
                return segment;
            } catch (IOException | RuntimeException e) {
                // Slots reserved in it are given up by their writers (see Journal.abandon). Fail closed until a retry
                // works.
                String why = "cannot create " + path + ": " + e.getMessage();
                if (failure == null) {
                    LOG.error("Ledger journal {} failed; charges that need a new segment are refused (retried every "
                            + "{} ms)", rollover ? "rollover" : "preparing ahead", CREATE_RETRY_NANOS / 1_000_000, e);
                }
                failure = why;
                retryCreateAtNanos = System.nanoTime() + CREATE_RETRY_NANOS;
                throw new LedgerUnavailableException(why, e);
            }
        }
    }

    /** Refuses a new segment that would leave less than the reserve free on the file system. */
    private void checkDiskReserve(Path path) throws IOException {
        LongSupplier test = usableSpace;
        long usable = test != null ? test.getAsLong() : Files.getFileStore(path.getParent()).getUsableSpace();
        if (usable - segmentBytes < diskReserveBytes) {
            throw new IOException("the file system has " + usable + " bytes free; a segment of " + segmentBytes
                    + " would leave less than the reserve of " + diskReserveBytes);
        }
    }

    /**
     * For a slot being given up whose segment was not mapped when its giver looked: under the lock, the segment if it
     * was created meanwhile; else {@code null}, and the slot is VOID by rule: its segment is folded in already, no
     * segment is created any more (frozen), or it does not exist yet, and then the slot is remembered and voided when
     * it is created.
     */
    JournalSegment giveUpIfMissing(long seq) {
        synchronized (lock) {
            JournalSegment segment = segments.get(seq >>> shift);
            if (segment == null && !frozen && ((seq >>> shift) + 1) << shift > foldedBelow) {
                givenUp.add(seq);
            }
            return segment;
        }
    }

    /** No segment is created any more (close). */
    void freeze() {
        synchronized (lock) {
            frozen = true;
        }
    }

    /**
     * Everything below {@code checkpoint} is committed to SQLite: deletes the segments wholly below it, except one
     * that slots up to {@code reservedSegment} were handed out from. See the class comment for the order.
     */
    void deleteFoldedIn(long checkpoint, long reservedSegment) {
        foldedBelow = checkpoint;
        givenUp.headSet((checkpoint >>> shift) << shift).clear(); // their segments are refused (wholly folded in)
        for (JournalSegment segment : segments.values()) {
            if (((segment.index + 1) << shift) <= checkpoint && segment.index < reservedSegment) {
                synchronized (lock) {
                    if (!segments.remove(segment.index, segment)) {
                        continue;
                    }
                    segment.closeQuietly();
                    deleteQuietly(segment);
                }
            }
        }
    }

    /** Unmaps (by dropping the buffers) and closes every segment; deletes them if all is folded in. */
    void close(boolean delete) {
        for (JournalSegment segment : segments.values()) {
            segment.closeQuietly();
            if (delete) {
                deleteQuietly(segment);
            }
        }
        segments.clear();
    }

    private static void deleteQuietly(JournalSegment segment) {
        try {
            Files.deleteIfExists(segment.path);
        } catch (IOException e) {
            LOG.warn("Cannot delete the folded-in journal segment {}", segment.path, e);
        }
    }
}
