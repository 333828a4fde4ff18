package dev.tollgate.site;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The dashboard's admin password, kept only as a PBKDF2-HMAC-SHA256 hash written
 * {@code pbkdf2-sha256:<iterations>:<salt, base64>:<hash, base64>}. There is no default password: the hash comes from
 * the system property {@value #HASH_PROPERTY} or the environment variable {@value #HASH_VARIABLE} (the admin sets
 * it; {@code java -jar sample-content-site.jar --hash-password} prints one), else from the owner-only file
 * {@code <data>/admin-password}, else a random password is generated at first start, printed once and stored hashed.
 * Immutable and thread-safe.
 */
final class AdminPassword {

    static final String HASH_PROPERTY = "tollgate.admin-password-hash";
    static final String HASH_VARIABLE = "TOLLGATE_ADMIN_PASSWORD_HASH";
    static final String FILE = "admin-password";
    static final int ITERATIONS = 210_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private AdminPassword(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** What {@link #load} found: the password, and the clear text when it was generated now (print it once). */
    record Loaded(AdminPassword password, Optional<String> generated, String source) {
    }

    static Loaded load(Path dataDir) throws IOException {
        String configured = System.getProperty(HASH_PROPERTY);
        String source = "system property " + HASH_PROPERTY;
        if (configured == null) {
            configured = System.getenv(HASH_VARIABLE);
            source = "environment variable " + HASH_VARIABLE;
        }
        if (configured != null && !configured.isBlank()) {
            return new Loaded(parse(configured.strip(), source), Optional.empty(), source);
        }
        Path file = dataDir.resolve(FILE);
        if (Files.exists(file)) {
            String stored = new String(OwnerOnlyFiles.read(file), StandardCharsets.UTF_8).strip();
            return new Loaded(parse(stored, file.toString()), Optional.empty(), file.toString());
        }
        byte[] secret = new byte[15];
        RANDOM.nextBytes(secret);
        String clear = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String encoded = hash(clear);
        OwnerOnlyFiles.create(file, encoded.getBytes(StandardCharsets.UTF_8));
        return new Loaded(parse(encoded, file.toString()), Optional.of(clear), file.toString());
    }

    /** The stored form of a new hash of {@code password}, with a fresh random salt. */
    static String hash(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + ":" + ITERATIONS + ":" + b64.encodeToString(salt) + ":"
                + b64.encodeToString(derive(password, salt, ITERATIONS));
    }

    static AdminPassword parse(String encoded, String source) {
        String[] parts = encoded.split(":");
        try {
            if (parts.length != 4 || !parts[0].equals(PREFIX)) {
                throw new IllegalArgumentException("not " + PREFIX + ":<iterations>:<salt>:<hash>");
            }
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (iterations < 10_000 || salt.length < 8 || hash.length != 32) {
                throw new IllegalArgumentException("at least 10000 iterations, an 8-byte salt and a 32-byte hash");
            }
            return new AdminPassword(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the admin password hash in " + source + " is invalid: "
                    + e.getMessage());
        }
    }

    /** Whether {@code candidate} is the password; compares in constant time. */
    boolean matches(String candidate) {
        return MessageDigest.isEqual(hash, derive(candidate, salt, iterations));
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }
}
