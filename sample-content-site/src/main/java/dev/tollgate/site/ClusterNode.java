package dev.tollgate.site;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * {@code --redis URI} and {@code --node N}: the site as node {@code number} of a cluster whose nodes share each
 * scrip's budget through one Redis (docs/CLUSTER.md). Node 1 runs the demo's brokers; every other node uses node 1's
 * and sends browser buyers back through node 1's site, the cluster's one origin. All nodes share {@code <data>}
 * (the certificate, the demo buyers, the admin password, the seller key and the browser key); each keeps its own
 * ledger in {@code <data>/node-<N>}. Immutable. The Redis password is only ever read from a file: a command line is
 * readable by every user of the machine ({@code ps}).
 *
 * @param number this node's number, 1 to {@value #MAX_NODES}
 * @param redis where Redis is, without user or password
 * @param username the Redis ACL user given in the URI, if any
 * @param passwordFile the file holding the Redis password ({@code --redis-password-file}), if any
 */
record ClusterNode(int number, URI redis, Optional<String> username, Optional<Path> passwordFile) {

    static final int MAX_NODES = 9;
    /** How far apart the nodes' ports are: node N listens on {@code --port} + 10 (N - 1). */
    static final int PORT_STEP = 10;
    static final String SELLER_KEY_FILE = "seller-key.json";
    static final String BROWSER_KEY_FILE = "browser-key";
    private static final int BROWSER_KEY_BYTES = 32;
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /**
     * Reads {@code --redis}'s value: {@code redis://[user@]host:port[/db]} or {@code rediss://} (TLS).
     *
     * @throws IllegalArgumentException naming the flag and the value, its user info masked; for a password in it
     */
    static ClusterNode of(int number, String value, Optional<Path> passwordFile) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw badUri(value);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("redis") || scheme.equals("rediss")) || uri.getHost() == null || uri.getPort() == 0
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw badUri(value);
        }
        Optional<String> username = Optional.empty();
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            if (info.indexOf(':') >= 0) {
                throw new IllegalArgumentException("--redis must not hold the Redis password ('" + masked(value)
                        + "'): a command line is readable by every user of this machine; write the password to an "
                        + "owner-only file and give it with --redis-password-file");
            }
            String user = URLDecoder.decode(info, StandardCharsets.UTF_8);
            username = user.isEmpty() ? Optional.empty() : Optional.of(user);
        }
        try {
            URI bare = new URI(scheme, null, uri.getHost(), uri.getPort(), uri.getPath(), null, null);
            return new ClusterNode(number, bare, username, passwordFile);
        } catch (URISyntaxException e) {
            throw badUri(value);
        }
    }

    private static IllegalArgumentException badUri(String value) {
        return new IllegalArgumentException("--redis must be a URI like redis://127.0.0.1:6379 (or rediss:// for "
                + "TLS, optionally with user@ and a database number as its path), got '" + masked(value)
                + "'; the Redis password goes in --redis-password-file, never in the URI");
    }

    /** {@code value} with whatever stands between {@code //} and its last {@code @} masked: it may hold a password. */
    static String masked(String value) {
        return value.replaceAll("//.*@", "//***@");
    }

    /** This node's gateway data folder: {@code <data>/node-<N>}, its ledger its identity in the cluster. */
    Path nodeData(Path data) {
        return data.resolve("node-" + number);
    }

    /**
     * Prepares {@code data} for this node and sets the placeholders the config's {@code ledger} and
     * {@code settlement.seller-key-file} read: node 1 creates the cluster's seller key and browser key if missing
     * (or keeps those of an earlier single-node run: its brokers know that key); other nodes need them there.
     *
     * @return the node's gateway data folder
     * @throws IllegalStateException if a node other than 1 starts before node 1 created the shared files
     */
    Path prepare(Path data) throws IOException {
        Path sellerKey = data.resolve(SELLER_KEY_FILE);
        Path browserKey = data.resolve(BROWSER_KEY_FILE);
        if (number == 1) {
            if (!Files.exists(sellerKey)) {
                OwnerOnlyFiles.create(sellerKey, newSellerKey());
            }
            if (!Files.exists(browserKey)) {
                byte[] key = new byte[BROWSER_KEY_BYTES];
                new SecureRandom().nextBytes(key);
                OwnerOnlyFiles.create(browserKey, key);
            }
        } else if (!Files.exists(sellerKey) || !Files.exists(browserKey)) {
            throw new IllegalStateException("node " + number + " shares " + data + " with node 1, which has not "
                    + "started there yet: start node 1 (without --node) first, with the same --data");
        }
        Path node = nodeData(data);
        OwnerOnlyFiles.createDirectory(node);
        // Every node behind one origin opens the purchase cookies the others sealed: one browser key.
        OwnerOnlyFiles.write(node.resolve(BROWSER_KEY_FILE), OwnerOnlyFiles.read(browserKey));
        System.setProperty("tollgate.ledger-store", "redis");
        System.setProperty("tollgate.redis-uri", redis.toString());
        username.ifPresentOrElse(u -> System.setProperty("tollgate.redis-username", u),
                () -> System.clearProperty("tollgate.redis-username"));
        passwordFile.ifPresentOrElse(f -> System.setProperty("tollgate.redis-password-file", f.toAbsolutePath().toString()),
                () -> System.clearProperty("tollgate.redis-password-file"));
        System.setProperty("tollgate.seller-key-file", sellerKey.toAbsolutePath().toString());
        return node;
    }

    /** Unsets what {@link #prepare} sets: a single site (no {@code --redis}) keeps its embedded ledger. */
    static void clearPlaceholders() {
        for (String name : new String[] {"tollgate.ledger-store", "tollgate.redis-uri", "tollgate.redis-username",
            "tollgate.redis-password-file", "tollgate.seller-key-file"}) {
            System.clearProperty(name);
        }
    }

    /** A private Ed25519 JWK, as the gateway generates its own {@code seller-key.json}. */
    private static byte[] newSellerKey() {
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
        return ("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\""
                + B64URL.encodeToString(key.generatePublicKey().getEncoded()) + "\",\"d\":\""
                + B64URL.encodeToString(key.getEncoded()) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }
}
