package dev.tollgate.gateway;

import java.util.Objects;

/**
 * What the buyer paid for this request, set as the request attribute {@link #REQUEST_ATTRIBUTE} before the
 * seller's app sees a paid request. Immutable.
 *
 * @param buyer the buyer's pseudonym at the broker (the scrip's {@code sub})
 * @param scripId the scrip's {@code jti}
 * @param amountMicros what this request was charged, in micro-units; 0 for a verified but uncharged HEAD
 * @param remainingMicros what is left on the scrip after this charge
 * @param currency the ISO 4217 code of both amounts
 * @param receiptId the charge's receipt, also sent to the buyer as the settlement's {@code transaction}; empty when
 *     nothing was charged
 * @since 0.1
 */
public record Payment(String buyer, String scripId, long amountMicros, long remainingMicros, String currency,
                      String receiptId) {

    /** The request attribute that holds the {@code Payment} of a paid request. */
    public static final String REQUEST_ATTRIBUTE = "dev.tollgate.payment";

    public Payment {
        Objects.requireNonNull(buyer, "buyer cannot be null.");
        Objects.requireNonNull(scripId, "scripId cannot be null.");
        Objects.requireNonNull(currency, "currency cannot be null.");
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
    }
}
