package dev.tollgate.broker;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Buyer login passwords: PBKDF2-HMAC-SHA256 from the JDK with a random 16-byte salt and at least
 * {@value #ITERATIONS} iterations (the OWASP 2023 figure), compared in constant time. Thread-safe.
 */
final class Passwords {

    /** Iterations of new hashes; stored per login so that it can grow without invalidating old ones. */
    static final int ITERATIONS = 210_000;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    /** Generated passwords: 20 characters from 56 unambiguous ones, about 116 bits. */
    static final int GENERATED_LENGTH = 20;
    /** Longest password accepted at login: PBKDF2's cost grows with it, so an attacker must not choose it freely. */
    static final int MAX_LENGTH = 128;

    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Compared against when the username is unknown, so that both failures take the same work. */
    private static final byte[] DUMMY_SALT = new byte[SALT_BYTES];

    /** A stored password hash. */
    record Hash(byte[] salt, int iterations, byte[] hash) {
    }

    private Passwords() {
    }

    /** A new random password, printable, without look-alike characters (no 0/O, 1/l/I). */
    static String generate() {
        char[] out = new char[GENERATED_LENGTH];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }

    /** Hashes a new password under a fresh random salt. */
    static Hash hash(String password) {
        byte[] salt = Secrets.randomBytes(SALT_BYTES);
        return new Hash(salt, ITERATIONS, pbkdf2(password, salt, ITERATIONS));
    }

    /**
     * Whether {@code password} matches {@code stored}; with {@code stored == null} (no such user) does the same
     * work and answers false.
     */
    static boolean matches(String password, Hash stored) {
        if (password.length() > MAX_LENGTH) {
            return false;
        }
        if (stored == null) {
            pbkdf2(password, DUMMY_SALT, ITERATIONS);
            return false;
        }
        return MessageDigest.isEqual(pbkdf2(password, stored.salt(), stored.iterations()), stored.hash());
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        char[] chars = password.toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, HASH_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }
}
