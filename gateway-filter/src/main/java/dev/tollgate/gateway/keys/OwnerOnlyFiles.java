package dev.tollgate.gateway.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's secret files in its data dir (the seller key, the browser flow's key): created once, owner-only
 * ({@code rw-------}), written whole (a temporary file synced, then renamed) so a crash never leaves half a key, and
 * refused when group or others may access them. Thread-safe.
 */
public final class OwnerOnlyFiles {

    /** What {@link #readOrCreate} found. */
    public record Content(byte[] bytes, boolean created) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(OwnerOnlyFiles.class);
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private OwnerOnlyFiles() {
    }

    /**
     * The bytes of {@code file}, first created with {@code generate}'s bytes if it does not exist (if another process
     * creates it first, theirs are used).
     *
     * @param what names the file in messages, such as "the seller key"
     * @param ifExposed what to do when the file may be accessed by others, after "run 'chmod 600 file' if nobody
     *     else can have read it, or"
     * @throws IllegalStateException if the file may be accessed by group or others, or is not a regular file
     */
    public static Content readOrCreate(Path file, Supplier<byte[]> generate, String what, String ifExposed)
            throws IOException {
        Files.createDirectories(file.getParent());
        boolean created = false;
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                create(file, generate.get());
                created = true;
            } catch (FileAlreadyExistsException e) {
                // Another process created it first: use theirs.
            }
        }
        return new Content(readExisting(file, what, ifExposed), created);
    }

    /**
     * The bytes of {@code file}, which must exist, be a regular file (a symbolic link is followed: provisioned
     * secrets often are links) and be accessible by its owner only.
     *
     * @param what names the file in messages, such as "the seller key"
     * @param ifExposed what to do when the file may be accessed by others (as for {@link #readOrCreate})
     * @throws IllegalStateException if the file may be accessed by group or others, or is not a regular file
     */
    public static byte[] read(Path file, String what, String ifExposed) throws IOException {
        return readExisting(file.toRealPath(), what, ifExposed);
    }

    private static byte[] readExisting(Path file, String what, String ifExposed) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view != null) {
            Set<PosixFilePermission> permissions = view.readAttributes().permissions();
            if (!OWNER_ONLY.containsAll(permissions)) {
                throw new IllegalStateException(what + " " + file + " may be accessed by group or others ("
                        + PosixFilePermissions.toString(permissions) + "); it must be owner-only: run 'chmod 600 "
                        + file + "' if nobody else can have read it, or " + ifExposed);
            }
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException(what + " " + file + " is not a regular file");
        }
        return Files.readAllBytes(file);
    }

    /**
     * A secret key of {@code length} random bytes in {@code file}, generated there first if it does not exist, as
     * {@link #readOrCreate} does.
     *
     * @throws IllegalStateException as {@link #readOrCreate}, or if the file does not hold {@code length} bytes
     */
    public static byte[] secretKey(Path file, int length, String what, String ifExposed) throws IOException {
        byte[] bytes = readOrCreate(file, () -> {
            byte[] key = new byte[length];
            new SecureRandom().nextBytes(key);
            return key;
        }, what, ifExposed).bytes();
        if (bytes.length != length) {
            throw new IllegalStateException(what + " " + file + " must hold " + length + " bytes, found "
                    + bytes.length + "; delete it to generate a new one");
        }
        return bytes;
    }

    private static void create(Path file, byte[] content) throws IOException {
        Path dir = file.getParent();
        Path temp = dir.resolve(file.getFileName() + ".tmp-" + Long.toHexString(new SecureRandom().nextLong()));
        boolean posix = Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
        if (posix) {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(temp);
            LOG.warn("{} is on a file system without POSIX permissions: restrict access to {} yourself", dir, file);
        }
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(content));
                channel.force(true);
            }
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(file.toString());
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("Could not sync {} after creating {}", dir, file, e);
        }
    }
}
