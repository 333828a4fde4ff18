package dev.tollgate.buyer;

/**
 * The broker refused to issue scrip or a PayWord certificate ({@code insufficient_funds}, {@code unauthorized},
 * ...), or answered something this client cannot read. Nothing was reserved at the broker.
 *
 * @since 0.1
 */
public final class BrokerException extends PaymentException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    BrokerException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** The broker's HTTP status. */
    public int status() {
        return status;
    }

    /** The broker's error code, such as {@code insufficient_funds}. */
    public String code() {
        return code;
    }
}
