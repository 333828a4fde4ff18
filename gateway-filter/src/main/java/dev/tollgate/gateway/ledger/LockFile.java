package dev.tollgate.gateway.ledger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock file {@code <db file>.journal.lock}, held while a ledger is open: one ledger per database file, in this or
 * another process. Two writers of one journal would hand out the same slots and receipt ids, and each would fold and
 * delete the other's records. The operating system releases the lock if the process dies.
 */
final class LockFile {

    private final FileChannel channel;
    private final FileLock lock;

    private LockFile(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the ledger at {@code dbFile} (creating the lock file), without waiting.
     *
     * @throws IllegalStateException if another ledger holds it, in this or another process
     */
    static LockFile acquire(Path dbFile) throws IOException {
        FileChannel channel = FileChannel.open(dbFile.resolveSibling(dbFile.getFileName() + ".journal.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("the ledger at " + dbFile + " is already open (in this or another "
                        + "process)");
            }
            return new LockFile(channel, lock);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close(); // releases the lock
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Releases the lock and closes the file: a ledger that failed to open (the lock goes with the channel). */
    void closeAfterFailure(Exception failure) {
        try {
            channel.close(); // releases the lock
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** Releases the lock and closes the file, at close. */
    void release() throws IOException {
        lock.release();
        channel.close();
    }
}
