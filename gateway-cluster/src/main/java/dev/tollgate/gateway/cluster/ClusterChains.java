package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.util.Optional;

/**
 * A node's PayWord payments in cluster mode (docs/CLUSTER.md "PayWord heads"): the head and what is spent of it in
 * Redis ({@link ChainHeads}), each charge in the node's own ledger after Redis accepted it. Thread-safe.
 */
final class ClusterChains {

    /** Tries of a chain charge on the node's own ledger while its other requests move the node's view of the head. */
    private static final int LOCAL_ATTEMPTS = 64;

    private final SqliteLedger node;
    private final ChainHeads heads;

    ClusterChains(SqliteLedger node, ChainHeads heads) {
        this.node = node;
        this.heads = heads;
    }

    /** The chain's head cluster-wide ({@link ChainHeads}): one round trip. */
    ChainHead head(ChainAccount chain) throws LedgerUnavailableException {
        try {
            return heads.head(chain);
        } catch (LeaseUnavailableException e) {
            throw RedisLedger.unavailable(e);
        }
    }

    /** The node's own copy, else the one the chain's first payment stored in Redis (the filter verifies it again). */
    Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        Optional<String> own = node.commitment(issuer, commitmentId);
        if (own.isPresent()) {
            return own;
        }
        try {
            return heads.commitment(issuer, commitmentId);
        } catch (LeaseUnavailableException e) {
            throw RedisLedger.unavailable(e);
        }
    }

    /**
     * Moves the chain's head and spends the amount in Redis (a compare-and-set against {@code expected}, a head this
     * ledger returned), then records the charge in the node's ledger against the node's own view of the chain. What
     * the node's ledger refuses (its certificate's rules, or its own credit) goes back to the chain's credit; a charge
     * that throws stays spent, as the node's ledger may have recorded it.
     */
    ChargeResult charge(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                        String resource) throws LedgerUnavailableException {
        if (index < 1 || index > chain.length()) {
            throw new IllegalArgumentException("index " + index + " is outside 1.." + chain.length());
        }
        if (word.length != 32) {
            throw new IllegalArgumentException("word must be 32 bytes, not " + word.length);
        }
        if (chain.maxMicros() > BudgetLeases.MAX_MICROS) {
            return new ChargeResult.ChainRefused(ChargeResult.ChainRefused.Reason.OVER_LIMIT, "a chain of more than "
                    + BudgetLeases.MAX_MICROS + " micro-units cannot be paid in cluster mode");
        }
        ChainHeads.Move move;
        try {
            move = heads.pay(chain, expected, index, word, amountMicros);
        } catch (LeaseUnavailableException e) {
            throw RedisLedger.unavailable(e);
        }
        if (move.status() == ChainHeads.Status.MOVED) {
            return new ChargeResult.HeadMoved(move.head());
        }
        if (move.status() == ChainHeads.Status.SHORT) {
            return new ChargeResult.Insufficient(Math.max(0, move.head().creditMicros()));
        }
        if (move.status() == ChainHeads.Status.STALE) {
            throw LedgerUnavailableException.budgetBusy("the chain's payments on this node were fenced; nothing was "
                    + "charged");
        }
        ChargeResult local = null;
        for (int attempt = 0; attempt < LOCAL_ATTEMPTS; attempt++) {
            local = node.chargeChain(chain, node.chainHead(chain), index, word, amountMicros, resource);
            if (!(local instanceof ChargeResult.HeadMoved)) {
                break;
            }
        }
        if (local instanceof ChargeResult.Charged charged) {
            heads.charged(charged.receiptId(), chain, amountMicros);
            return new ChargeResult.Charged(charged.receiptId(), amountMicros, move.head().creditMicros());
        }
        heads.giveBack(chain, amountMicros);
        if (local instanceof ChargeResult.HeadMoved) {
            throw LedgerUnavailableException.budgetBusy("the chain is busy on this node");
        }
        return local;
    }

    /** A refunded charge: if it was a chain charge of this node, its amount goes back to the chain's credit. */
    void refunded(String receiptId) {
        heads.refunded(receiptId);
    }
}
