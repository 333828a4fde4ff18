package dev.tollgate.gateway.ledger;

import java.util.List;

/**
 * Where charges are recorded. The embedded default is {@link SqliteLedger}; a cluster of gateway nodes shares one
 * ledger (a Redis implementation satisfies the same contract).
 *
 * <p>The contract every implementation keeps:
 * <ul>
 *   <li>{@link #charge} is atomic per scrip: concurrent charges on one scrip, from any thread or node, never take
 *       the sum of net charges above its budget.</li>
 *   <li>A {@link ChargeResult.Charged} is durable before it is returned: a process killed right after loses it
 *       not, and a restarted process sees it (no double spend after restart).</li>
 *   <li>{@link #refund} is idempotent: refunding a receipt twice returns the money once.</li>
 *   <li>Any failure to be sure of the above throws {@link LedgerUnavailableException}; callers fail closed.</li>
 * </ul>
 * Implementations are thread-safe.
 *
 * @since 0.1
 */
public interface Ledger extends AutoCloseable {

    /**
     * Charges {@code amountMicros} against the scrip's remaining budget, or charges nothing if it does not cover it.
     *
     * @param scrip the verified scrip; the first charge on a scrip records its budget
     * @param amountMicros the price, at least 0
     * @param resource what was bought (the request path), kept with the receipt for the seller's records
     */
    ChargeResult charge(ScripAccount scrip, long amountMicros, String resource) throws LedgerUnavailableException;

    /**
     * Returns a receipt's amount to its scrip, as when the seller's app failed to deliver.
     *
     * @return {@code true} if this call refunded it, {@code false} if it was already refunded
     * @throws IllegalArgumentException if no such receipt exists
     */
    boolean refund(String receiptId) throws LedgerUnavailableException;

    /** Micro-units left on the scrip: its budget if it was never charged here. */
    long remaining(ScripAccount scrip) throws LedgerUnavailableException;

    /** Scrip with charges the broker has not yet confirmed, oldest first, at most {@code limit} of them. */
    List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException;

    /**
     * Records that the broker has confirmed settlement of a scrip up to a cumulative amount. Amounts never go
     * backwards: a lower value than already recorded is ignored, so replies to retried batches are harmless.
     */
    void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException;

    /** Flushes and releases the store; later calls throw {@link LedgerUnavailableException}. */
    @Override
    void close();
}
