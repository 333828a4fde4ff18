package dev.tollgate.gateway.settlement;

/**
 * A settlement pass that failed as a whole (the broker not reached or refusing the batch, the ledger unavailable):
 * nothing of the batch is recorded, it is retried with backoff. The message is the pass's error, as the settlement
 * status reports it.
 */
final class SettlementFailure extends Exception {

    private static final long serialVersionUID = 1L;

    SettlementFailure(String error) {
        super(error, null, false, false);
    }
}
