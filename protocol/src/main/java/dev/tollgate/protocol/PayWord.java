package dev.tollgate.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * Names and hash-chain arithmetic of the PayWord scheme (Rivest and Shamir, 1996); docs/PROTOCOL.md section 8.
 *
 * <p>A chain is {@code w_n} (32 random bytes) hashed down to the root: {@code w_i = SHA-256(w_{i+1})}. The buyer
 * commits to {@code w_0} and its length {@code n}; revealing {@code w_i} pays {@code i} units, and anyone holding
 * {@code w_l} checks a later word with {@code i - l} hashes: {@code SHA-256^(i-l)(w_i) = w_l}.
 *
 * <p>Constants and pure functions only; thread-safe.
 *
 * @since 0.2
 */
public final class PayWord {

    /** The x402 {@code scheme} of PayWord payments. */
    public static final String SCHEME = "payword";

    /** The JWS {@code typ} of the broker-signed certificate of a buyer's key. */
    public static final String CERTIFICATE_TYPE = "tollgate-payword-cert+jwt";

    /** The JWS {@code typ} of a buyer-signed commitment to one chain for one seller. */
    public static final String COMMITMENT_TYPE = "tollgate-payword+jwt";

    /** Payload property: the commitment (compact JWS); sent with the first payment on a chain. */
    public static final String COMMITMENT = "commitment";

    /** Payload property: the commitment's id ({@link #commitmentId}); sent with later payments. */
    public static final String COMMITMENT_ID = "commitmentId";

    /** Payload property: the index {@code i} of the word paid, a JSON integer. */
    public static final String INDEX = "index";

    /** Payload property: the word {@code w_i}, base64url without padding. */
    public static final String WORD = "word";

    /** Bytes in a word (SHA-256). */
    public static final int WORD_BYTES = 32;

    /** Characters in a base64url-encoded word. */
    public static final int WORD_CHARS = 43;

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private PayWord() {
    }

    /** {@code SHA-256(word)}. */
    public static byte[] hash(byte[] word) {
        return hash(word, 1);
    }

    /**
     * {@code SHA-256} applied {@code times} times to {@code word}; {@code word} itself (copied) if {@code times} is 0.
     *
     * @throws IllegalArgumentException if {@code word} is not 32 bytes or {@code times} is negative
     */
    public static byte[] hash(byte[] word, int times) {
        checkWord(word);
        if (times < 0) {
            throw new IllegalArgumentException("times must not be negative: " + times);
        }
        byte[] out = word.clone();
        if (times == 0) {
            return out;
        }
        MessageDigest sha = sha256();
        try {
            for (int i = 0; i < times; i++) {
                sha.update(out, 0, WORD_BYTES);
                sha.digest(out, 0, WORD_BYTES);
            }
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /**
     * Whether {@code SHA-256^steps(word) = target}, compared in constant time. The caller bounds {@code steps} before
     * calling: it is the hashing work an untrusted payment asks for.
     */
    public static boolean reaches(byte[] word, int steps, byte[] target) {
        checkWord(target);
        return MessageDigest.isEqual(hash(word, steps), target);
    }

    /** The id of a commitment: base64url (no padding) of SHA-256 over its compact JWS text. */
    public static String commitmentId(String commitmentJws) {
        Objects.requireNonNull(commitmentJws, "commitmentJws cannot be null.");
        return B64.encodeToString(sha256().digest(commitmentJws.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A word as it goes on the wire: 43 base64url characters. */
    public static String encodeWord(byte[] word) {
        checkWord(word);
        return B64.encodeToString(word);
    }

    /**
     * Reads a word from the wire.
     *
     * @throws IllegalArgumentException if {@code text} is not 43 base64url characters encoding 32 bytes
     */
    public static byte[] decodeWord(String text) {
        if (text == null || text.length() != WORD_CHARS) {
            throw new IllegalArgumentException("a word must be " + WORD_CHARS + " base64url characters");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("a word must be " + WORD_CHARS + " base64url characters");
            }
        }
        byte[] word = B64D.decode(text);
        if (!B64.encodeToString(word).equals(text)) { // non-canonical trailing bits
            throw new IllegalArgumentException("a word must be canonical base64url");
        }
        return word;
    }

    private static void checkWord(byte[] word) {
        Objects.requireNonNull(word, "word cannot be null.");
        if (word.length != WORD_BYTES) {
            throw new IllegalArgumentException("a word is " + WORD_BYTES + " bytes, not " + word.length);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
