package dev.tollgate.buyer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/**
 * The wallet file: one JSON document ({@code "format": "tollgate-wallet"}, version 1) with a SHA-256 checksum of the
 * rest, written owner-only ({@code rw-------}) to a temporary file, forced to disk and moved over the old one, so
 * that a crash leaves the old or the new wallet, never half of one. A file that does not parse, fails its checksum,
 * has another format or version, or is readable by group or others is refused with a {@link WalletException}.
 * Stateless; callers serialize writes.
 */
final class WalletFile {

    static final String FORMAT = "tollgate-wallet";
    static final int VERSION = 1;

    /** The largest wallet file read: the bounded receipts and scrip entries fit in well under it. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private static final String CHECKSUM = "checksum";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private WalletFile() {
    }

    static ObjectNode newDocument() {
        return JSON.createObjectNode().put("format", FORMAT).put("version", VERSION);
    }

    static ObjectNode read(Path file) throws WalletException {
        try {
            if (POSIX) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (!OWNER_ONLY.containsAll(permissions)) {
                    throw new WalletException("wallet file " + file + " is " + PosixFilePermissions.toString(
                            permissions) + ", readable by others; it holds bearer tokens and keys: chmod 600 it");
                }
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new WalletException("wallet file " + file + " is larger than " + MAX_BYTES
                        + " bytes: not a wallet of this client");
            }
            JsonNode tree;
            try {
                tree = JSON.readTree(Files.readAllBytes(file));
            } catch (JsonProcessingException e) {
                throw new WalletException("wallet file " + file + " is corrupt: not JSON (" + e.getOriginalMessage()
                        + "); it was left as it is");
            }
            if (tree == null || !tree.isObject()) {
                throw new WalletException("wallet file " + file + " is corrupt: not a JSON object");
            }
            ObjectNode doc = (ObjectNode) tree;
            if (!FORMAT.equals(doc.path("format").asText()) || doc.path("version").asInt(-1) != VERSION) {
                throw new WalletException("wallet file " + file + " is not a " + FORMAT + " version " + VERSION
                        + " file");
            }
            JsonNode sum = doc.remove(CHECKSUM);
            if (sum == null || !sum.asText().equals(checksum(doc))) {
                throw new WalletException("wallet file " + file + " is corrupt: its checksum does not match its "
                        + "content (edited, or damaged); it was left as it is");
            }
            return doc;
        } catch (WalletException e) {
            throw e;
        } catch (IOException e) {
            throw new WalletException("cannot read wallet file " + file + ": " + e, e);
        }
    }

    static void write(Path file, ObjectNode doc) throws WalletException {
        ObjectNode copy = doc.deepCopy();
        copy.remove(CHECKSUM);
        copy.put(CHECKSUM, checksum(copy));
        Path dir = file.toAbsolutePath().getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            FileAttribute<?>[] attributes = POSIX ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(OWNER_ONLY)} : new FileAttribute<?>[0];
            temp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp", attributes);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(copy));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw new WalletException("cannot write wallet file " + file + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the write failed already; a stray temporary file is named after the wallet
                }
            }
        }
    }

    private static String checksum(ObjectNode doc) throws WalletException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(doc));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new WalletException("cannot checksum the wallet: " + e, e);
        }
    }
}
