package dev.tollgate.buyer;

/**
 * A paid request did not go through: a limit stopped it, the seller or the broker refused the payment, or its
 * outcome is unknown. The subclasses say which; {@link dev.tollgate.buyer.cli.TollgatePay} maps each to an exit
 * code.
 *
 * @since 0.1
 */
public abstract class PaymentException extends Exception {

    private static final long serialVersionUID = 1L;

    PaymentException(String message) {
        super(message);
    }

    PaymentException(String message, Throwable cause) {
        super(message, cause);
    }
}
