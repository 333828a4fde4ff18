package dev.tollgate.buyer;

/**
 * A seller charged for more than it delivered (a metered answer whose receipt names more units than the bytes that
 * arrived): what it charged counts as spent, and the client stops paying it for this download.
 *
 * @since 0.1
 */
public final class OverchargedException extends PaymentException {

    private static final long serialVersionUID = 1L;

    private final long paidMicros;

    OverchargedException(String message, long paidMicros) {
        super(message);
        this.paidMicros = paidMicros;
    }

    /** What the download had paid, this answer included, in micro-units. */
    public long paidMicros() {
        return paidMicros;
    }
}
