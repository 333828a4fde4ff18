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
        return decodeWord(text, 0);
    }

    /**
     * Reads a word from the 43 characters of {@code text} at {@code from}, without cutting them out (a header that
     * carries the word among other parts): decodes them by hand into the 32 bytes, allocating nothing else.
     *
     * @throws IllegalArgumentException if they are not 43 base64url characters canonically encoding 32 bytes (the
     *     last character's two low bits, which encode no byte, zero), or {@code text} ends before them
     * @since 0.6
     */
    public static byte[] decodeWord(CharSequence text, int from) {
        if (from < 0 || text.length() - from < WORD_CHARS) {
            throw new IllegalArgumentException("a word must be " + WORD_CHARS + " base64url characters");
        }
        byte[] word = new byte[WORD_BYTES];
        int bits = 0;
        int held = 0;
        int out = 0;
        for (int i = from; i < from + WORD_CHARS; i++) {
            int sextet = sextet(text.charAt(i));
            if (sextet < 0) {
                throw new IllegalArgumentException("a word must be " + WORD_CHARS + " base64url characters");
            }
            bits = bits << 6 | sextet;
            held += 6;
            if (held >= 8) {
                held -= 8;
                word[out++] = (byte) (bits >> held);
                bits &= (1 << held) - 1;
            }
        }
        if (bits != 0) { // 43 characters carry 258 bits: the 2 left over must be zero
            throw new IllegalArgumentException("a word must be canonical base64url");
        }
        return word;
    }

    /** The value of a base64url character, or -1. */
    static int sextet(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
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
