package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.http.PaymentException;

/**
 * Carries a {@link PaymentException} out of jjwt's key locator, which may only throw unchecked exceptions. Without a
 * stack trace: it is control flow, caught by the verifier that installed the locator.
 */
final class LookupFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient PaymentException payment;

    LookupFailure(PaymentException payment) {
        super(payment.getMessage(), null, false, false);
        this.payment = payment;
    }

    PaymentException payment() {
        return payment;
    }
}
