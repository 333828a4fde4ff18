package dev.tollgate.buyer;

import java.io.IOException;

/**
 * A paid request was sent and its answer lost (a reset, a timeout), and retrying it could pay a second time, so the
 * client did not retry. The amount it may have cost ({@link #atRiskMicros()}) is counted as spent against the
 * limits. See buyer-client/README.md, "Lost answers".
 *
 * @since 0.1
 */
public final class PaymentOutcomeUnknownException extends PaymentException {

    private static final long serialVersionUID = 1L;

    private final long atRiskMicros;

    PaymentOutcomeUnknownException(String message, long atRiskMicros, IOException cause) {
        super(message, cause);
        this.atRiskMicros = atRiskMicros;
    }

    /** What the lost request may have been charged, in micro-units. */
    public long atRiskMicros() {
        return atRiskMicros;
    }
}
