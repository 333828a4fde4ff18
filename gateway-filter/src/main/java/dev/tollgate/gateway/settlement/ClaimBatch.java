package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.ScripTotal;
import java.util.List;

/**
 * One batch of cumulative claims, as {@link BatchSelector} chose it: the scrip claims, then the PayWord chain claims,
 * each with what may be claimed now (its charges less those held back).
 */
record ClaimBatch(List<ScripTotal> scrip, List<ChainTotal> chains) {

    ClaimBatch {
        scrip = List.copyOf(scrip);
        chains = List.copyOf(chains);
    }

    /** How many claims the batch has. */
    int size() {
        return scrip.size() + chains.size();
    }

    boolean isEmpty() {
        return scrip.isEmpty() && chains.isEmpty();
    }
}
