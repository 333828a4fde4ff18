package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One journal file, {@code <db file>.journal-<n>}: segment {@code n} of the {@link Journal}, mapped shared. Also
 * the naming and listing of these files (recovery lists them). Identity equality.
 */
final class JournalSegment {

    /** Logs as the {@link Journal}, whose files these are. */
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final long index;
    final Path path;
    final FileChannel channel;
    final MappedByteBuffer buffer;

    private JournalSegment(long index, Path path, FileChannel channel, MappedByteBuffer buffer) {
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
     * it is mapped {@code READ_WRITE}; a file left by a failed attempt is deleted.
     */
    static JournalSegment create(long index, Path path, int segmentBytes) throws IOException {
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
            // Materializer.recover). Once per segment, usually on the materializer thread (prepareAhead).
            channel.force(true);
            try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
            return new JournalSegment(index, path, channel,
                    channel.map(FileChannel.MapMode.READ_WRITE, 0, segmentBytes));
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Compare-and-sets the magic word of slot {@code slot} (of this segment) from 0, unwritten, to VOID. */
    void voidIfEmpty(int slot) {
        INT.compareAndSet(buffer, slot * JournalRecord.SLOT + JournalRecord.MAGIC_OFFSET, 0, JournalRecord.MAGIC_VOID);
    }

    void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing journal segment {} failed", path, e);
        }
    }
}
