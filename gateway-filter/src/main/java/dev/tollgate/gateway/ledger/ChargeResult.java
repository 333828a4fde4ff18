package dev.tollgate.gateway.ledger;

/**
 * The outcome of {@link Ledger#charge}: either the amount was charged durably, or the budget could not cover it
 * and nothing was charged.
 *
 * @since 0.1
 */
public sealed interface ChargeResult {

    /** Micro-units left on the scrip after this outcome. */
    long remainingMicros();

    /**
     * The charge is durable: it survives a killed process and will be settled with the broker.
     *
     * @param receiptId unique across nodes and restarts; the {@code transaction} of the x402 settlement response
     * @param amountMicros what was charged
     * @param remainingMicros what is left on the scrip after this charge
     */
    record Charged(String receiptId, long amountMicros, long remainingMicros) implements ChargeResult {
    }

    /** Nothing was charged: the remaining budget is below the amount asked for. */
    record Insufficient(long remainingMicros) implements ChargeResult {
    }
}
