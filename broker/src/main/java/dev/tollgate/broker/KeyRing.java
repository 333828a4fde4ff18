package dev.tollgate.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's Ed25519 signing keys, kept in {@value #FILE} in the data directory (owner-only, replaced atomically).
 *
 * <p>One key is current and signs all new scrip. {@link #rotate()} makes a new key current and retires the old one,
 * which stays in the JWKS for {@link #RETENTION} (the longest scrip lifetime plus a margin) so that every scrip it
 * signed stays verifiable until it expires; after that it is dropped at the next rotation. The kid is the key's
 * RFC 7638 JWK thumbprint, so it never changes across restarts.
 *
 * <p>Another process (the {@code rotate-key} command) may rotate the file while a server runs: every lookup checks
 * the file's identity and modification time (one {@code stat}) and reloads it when it changed. Thread-safe.
 */
final class KeyRing {

    static final String FILE = "signing-keys.json";
    /** How long a retired key stays published: the longest scrip lifetime and 5 minutes of clock skew. */
    static final Duration RETENTION = ScripRules.MAX_TTL.plus(Duration.ofMinutes(5));

    private static final Logger LOG = LoggerFactory.getLogger(KeyRing.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final int FORMAT = 1;

    /** A key pair under its kid; {@code retiredAt} is null for the current key. */
    record SigningKey(String kid, Instant createdAt, Instant retiredAt, PrivateKey privateKey, PublicKey publicKey) {
        SigningKey retired(Instant at) {
            return new SigningKey(kid, createdAt, at, privateKey, publicKey);
        }
    }

    /** What was loaded, and the stamp of the file it came from. */
    private record State(List<SigningKey> keys, Object fileKey, long modifiedNanos) {
        SigningKey current() {
            return keys.get(0);
        }
    }

    private final Path file;
    private final Clock clock;
    private volatile State state;

    private KeyRing(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** Loads the key file in {@code dataDir}, creating it with a fresh key on first start. */
    static KeyRing open(Path dataDir, Clock clock) throws IOException {
        KeyRing ring = new KeyRing(dataDir.resolve(FILE), Objects.requireNonNull(clock, "clock cannot be null."));
        synchronized (ring) {
            if (!Files.exists(ring.file)) {
                SigningKey first = generate(clock.instant());
                ring.save(List.of(first));
                LOG.info("Generated the broker's first signing key {} in {}", first.kid(), ring.file);
            }
            ring.state = ring.load();
        }
        return ring;
    }

    /** The key that signs new scrip. */
    SigningKey current() {
        return fresh().current();
    }

    /** The key with this kid, current or retired (published or not), while the key file holds it. */
    Optional<SigningKey> key(String kid) {
        return fresh().keys().stream().filter(k -> k.kid().equals(kid)).findFirst();
    }

    /** Every published key: the current one first, then retired keys still within {@link #RETENTION}. */
    List<SigningKey> published() {
        Instant cutoff = clock.instant().minus(RETENTION);
        List<SigningKey> result = new ArrayList<>();
        for (SigningKey key : fresh().keys()) {
            if (key.retiredAt() == null || key.retiredAt().isAfter(cutoff)) {
                result.add(key);
            }
        }
        return result;
    }

    /** The JWKS document of {@link #published()}. */
    byte[] jwks() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode keys = root.putArray("keys");
        for (SigningKey key : published()) {
            keys.add(jwk(key.kid(), key.publicKey()));
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes a new key current; the old one stays published for {@link #RETENTION}. @return the new kid */
    synchronized String rotate() throws IOException {
        State s = load();
        Instant now = clock.instant();
        Instant cutoff = now.minus(RETENTION);
        List<SigningKey> keys = new ArrayList<>();
        SigningKey next = generate(now);
        keys.add(next);
        for (SigningKey key : s.keys()) {
            SigningKey retired = key.retiredAt() == null ? key.retired(now) : key;
            if (retired.retiredAt().isAfter(cutoff)) {
                keys.add(retired);
            }
        }
        save(keys);
        state = load();
        LOG.info("Rotated the broker's signing key: {} signs from now on; {} stay published", next.kid(),
                keys.subList(1, keys.size()).stream().map(SigningKey::kid).toList());
        return next.kid();
    }

    /** The OKP/Ed25519 public JWK of {@code key}. */
    static ObjectNode jwk(String kid, PublicKey key) {
        ObjectNode jwk = JSON.createObjectNode();
        jwk.put("kty", "OKP");
        jwk.put("crv", "Ed25519");
        jwk.put("use", "sig");
        jwk.put("alg", "EdDSA");
        jwk.put("kid", kid);
        jwk.put("x", B64URL.encodeToString(rawPublicKey(key)));
        return jwk;
    }

    /** The 32-byte Ed25519 public key: the tail of its X.509 SubjectPublicKeyInfo encoding. */
    static byte[] rawPublicKey(PublicKey key) {
        byte[] encoded = key.getEncoded();
        return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    }

    /** The RFC 7638 thumbprint of an Ed25519 public key, base64url. */
    static String thumbprint(PublicKey key) {
        String canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + B64URL.encodeToString(rawPublicKey(key))
                + "\"}";
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return B64URL.encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private State fresh() {
        State s = state;
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (Objects.equals(attributes.fileKey(), s.fileKey())
                    && attributes.lastModifiedTime().toInstant().equals(Instant.ofEpochSecond(0, s.modifiedNanos()))) {
                return s;
            }
            synchronized (this) {
                state = load();
                LOG.info("Reloaded signing keys from {}: current kid {}", file, state.current().kid());
                return state;
            }
        } catch (NoSuchFileException e) {
            LOG.error("Signing key file {} disappeared; still signing with the keys in memory", file);
            return s;
        } catch (IOException e) {
            LOG.error("Cannot reload signing key file {}; still signing with the keys in memory", file, e);
            return s;
        }
    }

    private State load() throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        byte[] content = SecretFiles.read(file);
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON", e);
        }
        if (root == null || root.path("format").asInt() != FORMAT || !root.path("keys").isArray()
                || root.path("keys").isEmpty()) {
            throw new IOException(file + " is not a signing key file of format " + FORMAT);
        }
        List<SigningKey> keys = new ArrayList<>();
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            for (JsonNode node : root.get("keys")) {
                PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(
                        Base64.getDecoder().decode(node.path("privateKey").asText())));
                PublicKey publicKey = factory.generatePublic(new X509EncodedKeySpec(
                        Base64.getDecoder().decode(node.path("publicKey").asText())));
                String kid = thumbprint(publicKey);
                if (!kid.equals(node.path("kid").asText())) {
                    throw new IOException(file + ": key '" + node.path("kid").asText()
                            + "' does not match its public key");
                }
                JsonNode retired = node.get("retiredAt");
                keys.add(new SigningKey(kid, Instant.parse(node.path("createdAt").asText()),
                        retired == null || retired.isNull() ? null : Instant.parse(retired.asText()),
                        privateKey, publicKey));
            }
        } catch (GeneralSecurityException | IllegalArgumentException | java.time.DateTimeException e) {
            throw new IOException(file + " holds an invalid key: " + e.getMessage(), e);
        }
        if (keys.get(0).retiredAt() != null) {
            throw new IOException(file + ": the first key must be the current one (without retiredAt)");
        }
        Instant modified = attributes.lastModifiedTime().toInstant();
        long nanos = modified.getEpochSecond() * 1_000_000_000L + modified.getNano();
        return new State(List.copyOf(keys), attributes.fileKey(), nanos);
    }

    private void save(List<SigningKey> keys) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode array = root.putArray("keys");
        for (SigningKey key : keys) {
            ObjectNode node = array.addObject();
            node.put("kid", key.kid());
            node.put("createdAt", key.createdAt().toString());
            if (key.retiredAt() != null) {
                node.put("retiredAt", key.retiredAt().toString());
            }
            node.put("publicKey", Base64.getEncoder().encodeToString(key.publicKey().getEncoded()));
            node.put("privateKey", Base64.getEncoder().encodeToString(key.privateKey().getEncoded()));
        }
        SecretFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static SigningKey generate(Instant now) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new SigningKey(thumbprint(pair.getPublic()), now, null, pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }
}
