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
 * @param basis why the request is served: charged now, or opened by what the buyer bought before
 * @since 0.1 ({@code basis} since 0.6)
 */
public record Payment(String buyer, String scripId, long amountMicros, long remainingMicros, String currency,
                      String receiptId, Basis basis) {

    /** The request attribute that holds the {@code Payment} of a paid request. */
    public static final String REQUEST_ATTRIBUTE = "dev.tollgate.payment";

    /**
     * Why a paid request is served, for an app that tells the reader ("your day pass", "bought yesterday, yours
     * until ..."). A request served free without a payment (an unpriced path, the free allowance, shadow mode) has no
     * {@code Payment} at all.
     *
     * @since 0.6
     */
    public enum Basis {
        /** Charged now: {@code amountMicros} is this request's price (a click, a stream's first request, a pass). */
        PAID,
        /** Sent again under the payment identifier of a charge it made: not charged again; the amount and receipt are
         *  that charge's (PROTOCOL.md section 11). */
        REPLAYED,
        /** Within the item's access window ({@code access:}), bought before: nothing charged. */
        ACCESS_WINDOW,
        /** Opened by a pass the buyer holds ({@code passes:}): nothing charged. */
        PASS,
        /** Within the window of a stream bought before ({@code charge: per-stream}): nothing charged. */
        STREAM_WINDOW,
        /** A metered rule: each unit is charged as the body is sent, so {@code amountMicros} is 0 here. */
        METERED
    }

    public Payment {
        Objects.requireNonNull(buyer, "buyer cannot be null.");
        Objects.requireNonNull(scripId, "scripId cannot be null.");
        Objects.requireNonNull(currency, "currency cannot be null.");
        Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        Objects.requireNonNull(basis, "basis cannot be null.");
    }

    /** A payment charged now ({@link Basis#PAID}), as the record was before it had a basis. */
    public Payment(String buyer, String scripId, long amountMicros, long remainingMicros, String currency,
                   String receiptId) {
        this(buyer, scripId, amountMicros, remainingMicros, currency, receiptId, Basis.PAID);
    }
}
