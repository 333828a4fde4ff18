package dev.tollgate.protocol;

/**
 * Thrown when an x402 header or body cannot be decoded; the message states the reason without echoing the input.
 *
 * <p>Malformed input is an expected, client-caused condition on the request path, so no stack trace is captured.
 * Instances are immutable and thread-safe.
 *
 * @since 0.1
 */
public final class MalformedPaymentException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param reason why the input was rejected, safe to show to the client
     */
    public MalformedPaymentException(String reason) {
        super(reason, null, false, false);
    }
}
