package dev.tollgate.gateway.http;

import java.util.Objects;

/**
 * A payment that cannot be accepted, with the stable code and a message for the buyer. Messages never contain the
 * token itself. Stack traces are not filled in: these are expected outcomes on the request path, not bugs.
 */
public final class PaymentException extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public PaymentException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code cannot be null.");
    }

    public ErrorCode code() {
        return code;
    }
}
