package dev.tollgate.gateway.ledger;

import java.util.Objects;

/**
 * A PayWord chain's claim for settlement: what its requests consumed ({@code spentMicros}, net of refunds), with the
 * head {@code (index, word)} that proves the chain paid at least that ({@code index x unit}); the broker verifies the
 * word back to the commitment's root and credits the consumed amount, so credit paid ahead and never used goes back
 * to the buyer. Cumulative, like {@link ScripTotal}.
 *
 * @param issuer the broker's issuer URL
 * @param commitmentId the commitment's id
 * @param commitment the commitment's compact JWS
 * @param index the head's index {@code l}
 * @param word {@code w_l}, 32 bytes (copied)
 * @param spentMicros what requests consumed of what the chain paid, net of refunds (since 0.3)
 * @param settledMicros what the broker has credited for the chain (since 0.3)
 * @since 0.2
 */
public record ChainTotal(String issuer, String commitmentId, String commitment, int index, byte[] word,
                         long spentMicros, long settledMicros) {

    public ChainTotal {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(commitmentId, "commitmentId cannot be null.");
        Objects.requireNonNull(commitment, "commitment cannot be null.");
        word = word.clone();
    }

    @Override
    public byte[] word() {
        return word.clone();
    }

    /** This claim with another consumed amount (the settler leaves out what may still be refunded). */
    public ChainTotal withSpent(long micros) {
        return new ChainTotal(issuer, commitmentId, commitment, index, word, micros, settledMicros);
    }
}
