package dev.tollgate.buyer;

import java.util.OptionalLong;

/**
 * The seller (or its gateway) refused the payment, or offered nothing this client can pay: {@link #code()} is the
 * protocol's error code (docs/PROTOCOL.md section 5), such as {@code invalid_token} or {@code ledger_unavailable},
 * or {@code no_payable_offer}. Nothing was charged.
 *
 * @since 0.1
 */
public final class PaymentRefusedException extends PaymentException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    PaymentRefusedException(int status, String code, String message, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The HTTP status of the refusal (402, 429, 503), or 0 when the client refused an offer it cannot pay. */
    public int status() {
        return status;
    }

    /** The error code, such as {@code insufficient_budget}. */
    public String code() {
        return code;
    }

    /** The seconds the seller asked to wait ({@code Retry-After}), if it said. */
    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds < 0 ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
    }
}
