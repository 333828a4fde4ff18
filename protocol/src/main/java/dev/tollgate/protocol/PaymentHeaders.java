package dev.tollgate.protocol;

/**
 * The HTTP header names and protocol version of the x402 v2 HTTP transport.
 *
 * <p>HTTP header names are case-insensitive; these are the spellings the x402 specification uses. Constants only,
 * thread-safe.
 *
 * @since 0.1
 */
public final class PaymentHeaders {

    /** Response header of a 402 carrying a base64 {@link PaymentRequired}. */
    public static final String PAYMENT_REQUIRED = "PAYMENT-REQUIRED";

    /** Request header carrying a base64 {@link PaymentPayload}. */
    public static final String PAYMENT_SIGNATURE = "PAYMENT-SIGNATURE";

    /** Response header carrying a base64 {@link SettlementResponse}. */
    public static final String PAYMENT_RESPONSE = "PAYMENT-RESPONSE";

    /**
     * Request header of Tollgate's repeat-payment extension (PROTOCOL.md section 12): a {@link ScripReference}, the
     * short reference a receipt offered, sent instead of {@code PAYMENT-SIGNATURE} on later requests. Not x402.
     *
     * @since 0.5
     */
    public static final String TOLLGATE_REFERENCE = "TOLLGATE-REFERENCE";

    /**
     * Request header of Tollgate's compact PayWord words (PROTOCOL.md section 8, "Compact words"): a
     * {@link CompactWord}, a later word on a chain the seller has recorded, sent instead of {@code PAYMENT-SIGNATURE}.
     * Not x402.
     *
     * @since 0.6
     */
    public static final String TOLLGATE_PAYWORD = "TOLLGATE-PAYWORD";

    /** The only {@code x402Version} this transport speaks. */
    public static final int X402_VERSION = 2;

    private PaymentHeaders() {
    }
}
