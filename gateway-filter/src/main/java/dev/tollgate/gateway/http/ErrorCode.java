package dev.tollgate.gateway.http;

/**
 * The stable {@code error} codes of a 402 or 400 answer. Clients branch on these strings: never rename one.
 */
public enum ErrorCode {
    PAYMENT_REQUIRED("payment_required"),
    MALFORMED_PAYMENT("malformed_payment"),
    INVALID_TOKEN("invalid_token"),
    EXPIRED_TOKEN("expired_token"),
    TOKEN_NOT_YET_VALID("token_not_yet_valid"),
    WRONG_AUDIENCE("wrong_audience"),
    WRONG_ISSUER("wrong_issuer"),
    WRONG_CURRENCY("wrong_currency"),
    UNKNOWN_KEY("unknown_key"),
    INSUFFICIENT_BUDGET("insufficient_budget"),
    PRICE_CHANGED("price_changed"),
    /** A browser came from another site with budget in its cookie: it confirms with a click before paying. */
    CONFIRMATION_REQUIRED("confirmation_required"),
    BROKER_UNAVAILABLE("broker_unavailable"),
    LEDGER_UNAVAILABLE("ledger_unavailable"),
    /** 503: other nodes of a cluster hold the scrip's budget right now; ask again after {@code Retry-After}. */
    BUDGET_BUSY("budget_busy"),
    /** This scrip or chain had so many charges refunded here that it is charged no more: pay with new scrip. */
    TOO_MANY_REFUNDS("too_many_refunds"),
    /** The payment chose a pass ({@code accepted.extra.pass}) the rule does not sell (PROTOCOL.md section 13). */
    UNKNOWN_PASS("unknown_pass"),
    /** 429: too many payments from the client's address failed verification. */
    TOO_MANY_FAILURES("too_many_failures"),
    /** 503: the rule's price function failed or asked a price out of bounds; nothing was served or charged. */
    PRICE_UNAVAILABLE("price_unavailable"),
    // The repeat reference (PROTOCOL.md section 12)
    /** Not a reference of this seller's key: malformed, forged, changed, or made with another node's key. */
    INVALID_REFERENCE("invalid_reference"),
    /** A reference this seller made, expired or for scrip it no longer knows: send the whole payment again. */
    UNKNOWN_REFERENCE("unknown_reference"),
    // PayWord (PROTOCOL.md section 8)
    INVALID_CERTIFICATE("invalid_certificate"),
    INVALID_COMMITMENT("invalid_commitment"),
    UNKNOWN_COMMITMENT("unknown_commitment"),
    INDEX_OUT_OF_RANGE("index_out_of_range"),
    STEP_TOO_LARGE("step_too_large"),
    INVALID_WORD("invalid_word");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    /** The wire form, e.g. {@code invalid_token}. */
    public String code() {
        return code;
    }
}
