package dev.tollgate.protocol;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * A buyer's PayWord chain: {@code n} words above a root, generated from 32 random bytes. Keeps every word so that
 * paying is a lookup; 32 bytes per unit. Immutable and thread-safe.
 *
 * @since 0.2
 */
public final class PayWordChain {

    /** The longest chain this class builds. */
    public static final int MAX_LENGTH = 10_000_000;

    private final byte[][] words; // words[i] = w_i, words[0] = root

    private PayWordChain(byte[][] words) {
        this.words = words;
    }

    /** A new chain of {@code length} words with a random top word. */
    public static PayWordChain generate(int length, SecureRandom random) {
        Objects.requireNonNull(random, "random cannot be null.");
        byte[] top = new byte[PayWord.WORD_BYTES];
        random.nextBytes(top);
        return fromTop(top, length);
    }

    /** The chain whose top word {@code w_n} is {@code top} (for known-answer tests and deterministic clients). */
    public static PayWordChain fromTop(byte[] top, int length) {
        if (length < 1 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("length must be 1 to " + MAX_LENGTH + ": " + length);
        }
        byte[][] words = new byte[length + 1][];
        words[length] = PayWord.hash(top, 0);
        for (int i = length - 1; i >= 0; i--) {
            words[i] = PayWord.hash(words[i + 1]);
        }
        return new PayWordChain(words);
    }

    /** {@code n}: how many words can be paid. */
    public int length() {
        return words.length - 1;
    }

    /** {@code w_0}, the word the buyer commits to. */
    public byte[] root() {
        return words[0].clone();
    }

    /** {@code w_i}, which pays the {@code i}-th unit. */
    public byte[] word(int index) {
        if (index < 0 || index > length()) {
            throw new IllegalArgumentException("index must be 0 to " + length() + ": " + index);
        }
        return words[index].clone();
    }
}
