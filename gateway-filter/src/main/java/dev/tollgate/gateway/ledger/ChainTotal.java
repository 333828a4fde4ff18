package dev.tollgate.gateway.ledger;

import java.util.Objects;

/**
 * A PayWord chain's claim for settlement: the head {@code (index, word)} proves {@code index x unit} was paid, and
 * the broker verifies it back to the commitment's root. Cumulative, like {@link ScripTotal}.
 *
 * @param issuer the broker's issuer URL
 * @param commitmentId the commitment's id
 * @param commitment the commitment's compact JWS
 * @param index the head's index {@code l}
 * @param word {@code w_l}, 32 bytes (copied)
 * @param settledIndex the highest index the broker has confirmed
 * @since 0.2
 */
public record ChainTotal(String issuer, String commitmentId, String commitment, int index, byte[] word,
                         int settledIndex) {

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
}
