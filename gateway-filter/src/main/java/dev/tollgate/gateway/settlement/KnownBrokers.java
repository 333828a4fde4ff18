package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last known settlement settings of every broker the gateway may still be owed money by, in
 * {@code <data-dir>/brokers.json}: the configured brokers and those removed from the config whose charges are not
 * settled yet. A broker removed by a reload, or while the gateway was stopped, is still settled from these settings
 * (its redemption, charge and cancel URLs, its trust file) until nothing of its charges is left to claim; its entry
 * goes then. Rewritten whole (a temporary file, synced, moved over the old one) at start, at each reload and when a
 * removed broker is settled; the entries are bounded by the config's 16 brokers plus one per removed broker still
 * owed money. Owner-only ({@code rw-------}), as the seller key: its URLs may carry credentials in their query, and
 * whoever may write it chooses where claims of removed brokers are sent. Not thread-safe: {@link Settlements} writes it under its lock.
 */
final class KnownBrokers {

    static final String FILE_NAME = "brokers.json";

    private static final Logger LOG = LoggerFactory.getLogger(KnownBrokers.class);
    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper().build();
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Path file;

    KnownBrokers(Path dataDir) {
        this.file = dataDir.resolve(FILE_NAME);
    }

    /**
     * The brokers the file names; none if there is no file yet.
     *
     * @throws IllegalStateException if the file cannot be read or is not what this class writes
     */
    List<SettledBroker> read() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<SettledBroker> brokers = new ArrayList<>();
            for (JsonNode entry : root.path("brokers")) {
                String trust = entry.path("trustFile").asText("");
                brokers.add(new SettledBroker(text(entry, "id"), text(entry, "name"), text(entry, "issuer"),
                        uri(entry, "redemptionUrl"), uri(entry, "cancelUrl"), uri(entry, "chargeUrl"),
                        trust.isEmpty() ? Optional.empty() : Optional.of(Path.of(trust))));
            }
            return brokers;
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new IllegalStateException("the known brokers " + file + " cannot be read (" + e.getMessage()
                    + "); it names the brokers removed from the config whose charges are still to be settled: fix it, "
                    + "or delete it if every removed broker has been paid", e);
        }
    }

    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("an entry has no " + field);
        }
        return value.asText();
    }

    private static URI uri(JsonNode entry, String field) {
        URI uri = URI.create(text(entry, field));
        if (!uri.isAbsolute() || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
            throw new IllegalArgumentException(field + " is not an http(s) URL");
        }
        return uri;
    }

    /** Replaces the file's content with {@code brokers}; on failure logs it and leaves the previous content. */
    void write(Collection<SettledBroker> brokers) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("brokers");
        for (SettledBroker broker : brokers) {
            ObjectNode entry = list.addObject();
            entry.put("id", broker.id());
            entry.put("name", broker.name());
            entry.put("issuer", broker.issuer());
            entry.put("redemptionUrl", broker.redemptionUri().toString());
            entry.put("cancelUrl", broker.cancelUri().toString());
            entry.put("chargeUrl", broker.chargeUri().toString());
            broker.trustFile().ifPresent(trust -> entry.put("trustFile", trust.toString()));
        }
        Path temp = file.resolveSibling(FILE_NAME + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(temp); // left by a crash, or with other permissions
            if (Files.getFileAttributeView(file.getParent(), PosixFileAttributeView.class) != null) {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root)));
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            LOG.error("Could not write {}: a broker removed from the config while the gateway is stopped may then not "
                    + "be settled after the next start", file, e);
        }
    }
}
