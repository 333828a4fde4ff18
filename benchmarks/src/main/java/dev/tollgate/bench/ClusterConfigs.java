package dev.tollgate.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The folders of load.sh's cluster cases' four {@link ClusterNode}s, each with its {@code gateway.yaml} and its own
 * data folder (its journal and ledger file): {@code cluster/a} and {@code cluster/b} on one Redis
 * ({@code ledger.store: redis}, signing with one seller key, {@code cluster/seller-key.json}, as a cluster's nodes
 * must), and {@code embedded/a} and {@code embedded/b} on the embedded ledger, the same nodes without Redis. All four
 * trust the load server's broker and price {@code /paid/**} at one micro-unit, as its own {@code /paid/page}.
 */
final class ClusterConfigs {

    /** The nodes of each cluster case, by folder name. */
    static final List<String> NODES = List.of("a", "b");

    private static final String RULES = String.join("\n",
            "data-dir: data",
            "rules:",
            "  - match: /paid/**",
            "    price: 0.000001",
            "");

    private ClusterConfigs() {
    }

    /**
     * Writes the four nodes' folders under {@code work}, the Redis nodes naming {@code redis} (a
     * {@code redis://host:port} URI).
     */
    static void write(Path work, URI jwks, String durability, String redis) throws IOException {
        Path sellerKey = writeSellerKey(work.resolve("cluster").resolve("seller-key.json"));
        for (String node : NODES) {
            config(work.resolve("embedded").resolve(node), jwks, durability, "");
            config(work.resolve("cluster").resolve(node), jwks, durability, "  store: redis\n  uri: " + redis + "\n");
            Path file = work.resolve("cluster").resolve(node).resolve("gateway.yaml");
            Files.writeString(file, Files.readString(file) + "settlement:\n  seller-key-file: " + sellerKey + "\n");
        }
    }

    private static void config(Path dir, URI jwks, String durability, String ledgerLines) throws IOException {
        Files.createDirectories(dir);
        Path file = BrokerFixture.writeConfig(dir, jwks, RULES);
        Files.writeString(file, Files.readString(file).replace("  durability: process-crash-safe\n",
                "  durability: " + durability + "\n" + ledgerLines));
    }

    /** The cluster's one seller key, a private Ed25519 JWK readable by its owner only, as the filter requires. */
    private static Path writeSellerKey(Path file) throws IOException {
        Base64.Encoder b64url = Base64.getUrlEncoder().withoutPadding();
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
        Files.createDirectories(file.getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\""
                + b64url.encodeToString(key.generatePublicKey().getEncoded()) + "\",\"d\":\""
                + b64url.encodeToString(key.getEncoded()) + "\"}\n", StandardCharsets.UTF_8);
        return file;
    }
}
