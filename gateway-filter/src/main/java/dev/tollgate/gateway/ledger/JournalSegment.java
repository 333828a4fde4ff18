package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One journal file, {@code <db file>.journal-<n>}: segment {@code n} of the {@link Journal}. Also the naming and
 * listing of these files (recovery lists them). Identity equality.
 *
 * <p>Its slots live in one of two kinds of memory. {@code PROCESS_CRASH_SAFE}: the file mapped shared, so a store
 * into the mapping is a store into the page cache, a record survives a killed process the moment it is published,
 * and nothing else ever writes the file. {@code POWER_CUT_SAFE} ({@code writeOnSync}): a direct buffer of the
 * segment's size, where the slot protocol runs as before, and records reach the file only through
 * {@link #writeThrough}, called by the group commit's leader: one {@code pwrite} of the range and one
 * {@code fdatasync}. Syncing a shared mapping instead ({@code msync}) write-protects each page it writes back, so the
 * next store into that page faults (and updates the file's time and shoots down the other cores' TLB entries): about
 * 1 ms and 150-300 µs of CPU, mostly kernel, per sync measured here. A direct buffer rather than a private mapping: its memory is
 * counted against {@code -XX:MaxDirectMemorySize} (by default the maximum heap), and reaching that makes the JVM
 * collect the buffers of deleted segments, which are freed only when collected (see {@link JournalSegments#close}).
 */
final class JournalSegment {

    /** Logs as the {@link Journal}, whose files these are. */
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final long index;
    final Path path;
    /** The slots: the shared mapping of the file, or ({@code writeOnSync}) a direct buffer written through. */
    final ByteBuffer buffer;
    /** Reopened by {@link #writeThrough} if an interrupt closed it, never after {@link #closeQuietly}. */
    private volatile FileChannel channel;
    /** Set by {@link #closeQuietly}; guarded by this. */
    private boolean closed;

    private JournalSegment(long index, Path path, FileChannel channel, ByteBuffer buffer) {
        this.index = index;
        this.path = path;
        this.channel = channel;
        this.buffer = buffer;
    }

    /** The file of segment {@code index} of the journal of {@code dbFile}. */
    static Path path(Path dbFile, long index) {
        return dbFile.resolveSibling(dbFile.getFileName() + ".journal-" + index);
    }

    /** The journal files next to {@code dbFile}, by segment number. */
    static TreeMap<Long, Path> list(Path dbFile) throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        String prefix = dbFile.getFileName() + ".journal-";
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(dbFile.getParent(), prefix + "*")) {
            for (Path path : dir) {
                String suffix = path.getFileName().toString().substring(prefix.length());
                if (!suffix.isEmpty() && suffix.chars().allMatch(Character::isDigit) && suffix.length() < 19
                        && Files.isRegularFile(path)) {
                    found.put(Long.parseLong(suffix), path);
                }
            }
        }
        return found;
    }

    /**
     * Creates segment {@code index} at {@code path}: {@code segmentBytes} of real zeros, on disk with its name before
     * it is mapped; a file left by a failed attempt is deleted.
     *
     * @param writeOnSync keep its slots in a direct buffer, for {@link #writeThrough}, rather than a shared mapping
     */
    static JournalSegment create(long index, Path path, int segmentBytes, boolean writeOnSync) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            // Real zeros, not a sparse file: a full disk fails here, not as SIGBUS on a store into the mapping.
            long position = 0;
            while (position < segmentBytes) {
                ByteBuffer zeros = ZEROS.duplicate();
                zeros.limit((int) Math.min(zeros.capacity(), segmentBytes - position));
                position += channel.write(zeros, position);
            }
            // In both modes: a segment file is on disk, name included, before any of its slots is handed out, so
            // recovery after a power cut never hands out a sequence number of a segment that existed (see
            // Recovery.foldIn). Once per segment, usually on the materializer thread (prepareAhead). It is also what
            // makes writeThrough's fdatasync enough: the file's size and blocks are final and on disk from here on.
            channel.force(true);
            try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
            return new JournalSegment(index, path, channel, writeOnSync ? allocate(path, segmentBytes)
                    : channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentBytes));
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Zeroed memory for a segment's slots: what the file holds, since it was just created with zeros. */
    private static ByteBuffer allocate(Path path, int segmentBytes) throws IOException {
        try {
            return ByteBuffer.allocateDirect(segmentBytes);
        } catch (OutOfMemoryError e) { // beyond -XX:MaxDirectMemorySize even after collecting: refuse the segment
            throw new IOException("no direct memory for journal segment " + path + ": " + e.getMessage(), e);
        }
    }

    /** Compare-and-sets the magic word of slot {@code slot} (of this segment) from 0, unwritten, to VOID. */
    void voidIfEmpty(int slot) {
        INT.compareAndSet(buffer, slot * JournalRecord.SLOT + JournalRecord.MAGIC_OFFSET, 0, JournalRecord.MAGIC_VOID);
    }

    /**
     * Writes bytes {@code [offset, offset + length)} of the slots' memory to the file with one positional write,
     * then returns once they are on disk ({@code fdatasync}). The caller makes sure no one writes those bytes any more
     * (every slot in the range is VALID or VOID) and that only one thread calls this at a time (the group commit's
     * leader).
     *
     * <p>Why {@code fdatasync} is enough for a power cut: it flushes the file's data and the metadata needed to read
     * it back (size, block map), but not timestamps. This file was created full size with real zeros, not sparse and
     * not fallocated, and fsynced with its directory entry before any slot was handed out ({@link #create}); a write
     * into it changes no block allocation and no size, so once it returns the bytes are where recovery reads them.
     * Torn writes (a power cut during the write) leave a slot whose checksum fails: recovery skips it, and its writer
     * was never acknowledged.
     *
     * @throws IOException on a failed write or sync (the caller fails closed), or if the segment was closed
     */
    void writeThrough(int offset, int length) throws IOException {
        ByteBuffer range = buffer.slice(offset, length); // direct: the kernel copies straight from it
        // A FileChannel is closed by an interrupt of a thread in (or entering) I/O on it, for every thread: the
        // leader runs on a request thread, whose pending interrupt must not close the segment for all writers.
        boolean interrupted = Thread.interrupted();
        try {
            FileChannel out = open();
            while (range.hasRemaining()) {
                out.write(range, offset + range.position());
            }
            out.force(false);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The channel, reopened if an interrupt during a write closed it; refused once the segment is closed. */
    private FileChannel open() throws IOException {
        FileChannel current = channel;
        if (current.isOpen()) {
            return current;
        }
        synchronized (this) {
            if (closed) {
                throw new ClosedChannelException();
            }
            if (!channel.isOpen()) {
                LOG.warn("Journal segment {} was closed by an interrupted write; reopening it", path);
                channel = FileChannel.open(path, StandardOpenOption.WRITE);
            }
            return channel;
        }
    }

    void closeQuietly() {
        synchronized (this) {
            closed = true;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing journal segment {} failed", path, e);
        }
    }
}
