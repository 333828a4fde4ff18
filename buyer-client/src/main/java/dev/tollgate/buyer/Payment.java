package dev.tollgate.buyer;

import dev.tollgate.protocol.PaymentRequired;
import java.util.Map;

/**
 * One payment made ready by a scheme ({@link ScripPayments}, {@link PayWordPayments}): money reserved in the
 * {@link Budget} and in the wallet, and the {@code payload} that spends it. Exactly one of {@link #paid},
 * {@link #refused} or {@link #lost} ends it. Used by one thread.
 */
interface Payment {

    /** The x402 {@code payload} of the {@code PAYMENT-SIGNATURE}. */
    Map<String, Object> payload();

    /**
     * The seller's repeat reference this payment sends in {@code TOLLGATE-REFERENCE} instead of {@link #payload()}
     * (PROTOCOL.md section 12), or {@code null} to send the payload.
     */
    default String reference() {
        return null;
    }

    /**
     * The value of a {@code TOLLGATE-PAYWORD} header that pays as {@link #payload()} does (PROTOCOL.md section 8,
     * "Compact words"), for a seller that takes them, or {@code null} to send the payload: only a later word on a
     * chain the seller has recorded has one.
     *
     * @param brokerId the broker of the offer's network
     * @param amountMicros the most the request may cost, as the payload's {@code accepted.amount}
     */
    default String compactWord(String brokerId, long amountMicros) {
        return null;
    }

    /** The receipt offered {@code reference} (not null) for later payments with the same scrip. */
    default void offered(String reference) {
    }

    /** What the request may cost at most, in micro-units: what a lost answer puts at risk. */
    long atRiskMicros();

    /**
     * The most the seller can take with this payment, whatever its receipt claims: a scrip's whole budget, the words
     * a PayWord payment revealed.
     */
    long mostChargeableMicros();

    /**
     * Whether sending the same payment again, after its answer was lost, can never charge twice on today's wire:
     * a per-stream entitlement covers the retry, or a PayWord word already paid cannot be consumed again because
     * the chain's credit left is below the price.
     */
    boolean retryCannotChargeTwice();

    /**
     * Whether a refusal shows this very payment consumed already by a request the client never saw answered: the
     * JDK HttpClient resends a GET by itself when a connection closes before any byte of the answer.
     */
    default boolean consumedUnseen(PaymentRequired refusal) {
        return false;
    }

    /** The seller charged {@code chargedMicros} (from the receipt); {@code remaining} is its {@code extra.remaining}. */
    void paid(long chargedMicros, long remaining) throws WalletException;

    /**
     * The seller refused the payment with {@code code} and nothing was charged; returns whether paying anew (new
     * scrip, a resent commitment, a new chain) may succeed.
     */
    boolean refused(String code, PaymentRequired refusal) throws WalletException;

    /** The answer was lost and the payment not retried: what it put at risk counts as spent. */
    void lost();
}
