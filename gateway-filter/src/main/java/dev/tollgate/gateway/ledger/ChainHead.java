package dev.tollgate.gateway.ledger;

import java.util.Objects;

/**
 * Where a PayWord chain stands: the highest word paid and what that has paid for. {@code (0, root)} for a chain never
 * paid. The word is copied in and out; otherwise immutable and thread-safe.
 *
 * @param index {@code l}, the highest index paid (0 if none)
 * @param word {@code w_l}, 32 bytes
 * @param paidMicros {@code l x unit}: what the revealed words are worth
 * @param spentMicros what requests have consumed of it, net of refunds
 * @since 0.2
 */
public record ChainHead(int index, byte[] word, long paidMicros, long spentMicros) {

    public ChainHead {
        Objects.requireNonNull(word, "word cannot be null.");
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative: " + index);
        }
        if (word.length != 32) {
            throw new IllegalArgumentException("word must be 32 bytes, not " + word.length);
        }
        if (spentMicros < 0 || spentMicros > paidMicros) {
            throw new IllegalArgumentException("spent " + spentMicros + " must be within paid " + paidMicros);
        }
        word = word.clone();
    }

    @Override
    public byte[] word() {
        return word.clone();
    }

    /** What the chain has paid and requests have not consumed yet. */
    public long creditMicros() {
        return paidMicros - spentMicros;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainHead h && h.index == index && java.util.Arrays.equals(h.word, word)
                && h.paidMicros == paidMicros && h.spentMicros == spentMicros;
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, java.util.Arrays.hashCode(word), paidMicros, spentMicros);
    }

    @Override
    public String toString() {
        return "ChainHead[index=" + index + ", paid=" + paidMicros + ", spent=" + spentMicros + "]";
    }
}
