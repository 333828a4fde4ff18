package dev.tollgate.site;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Secret files of the site (keystore password, admin password hash): created owner-only ({@code rw-------}) from the
 * start, never widened afterwards, and refused when someone else may read them.
 */
final class OwnerOnlyFiles {

    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

    private OwnerOnlyFiles() {
    }

    /** Creates the directory (and its parents) if missing; a directory it creates is {@code rwx------}. */
    static void createDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (dir.getParent() != null) {
            Files.createDirectories(dir.getParent());
        }
        if (posix(dir.getParent() == null ? dir.toAbsolutePath().getParent() : dir.getParent())) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
        } else {
            Files.createDirectory(dir);
        }
    }

    /**
     * Writes the file atomically: a temporary file created {@code rw-------} in the same folder, renamed over the
     * target. No moment exists where the content is readable by others.
     */
    static void write(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = posix(dir)
                ? Files.createTempFile(dir, ".tmp-", "", PosixFilePermissions.asFileAttribute(OWNER_RW))
                : Files.createTempFile(dir, ".tmp-", "");
        try {
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a secret file after checking that neither group nor others have any permission on it. */
    static byte[] read(Path file) throws IOException {
        requireOwnerOnly(file);
        return Files.readAllBytes(file);
    }

    /** Fails when the group or others have any permission on the file (POSIX file systems only). */
    static void requireOwnerOnly(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        for (PosixFilePermission p : perms) {
            if (!p.name().startsWith("OWNER_")) {
                throw new IOException(file + " may be accessed by group or others ("
                        + PosixFilePermissions.toString(perms) + "); make it owner-only: chmod 600 " + file);
            }
        }
    }

    /** Creates a new owner-only file; fails if it exists. */
    static void create(Path file, byte[] content) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        write(file, content);
    }

    private static boolean posix(Path dir) {
        return dir != null && Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
    }
}
