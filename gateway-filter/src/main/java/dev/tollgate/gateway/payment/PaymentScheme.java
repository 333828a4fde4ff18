package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.charge.Payer;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.protocol.PaymentPayload;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;

/**
 * How a buyer pays: one per x402 scheme name ({@code accepted.scheme}), today {@link ScripScheme} and
 * {@link PayWordScheme}. A scheme takes part in two stages of a request: reading turns its payload into a
 * {@link Credential}; paying checks that credential against the rule, makes a {@link Payer} of it and hands it to the
 * rule's charge model. Adding a scheme is a class implementing this and its line in the filter's
 * {@link PaymentSchemes}. Thread-safe.
 */
public interface PaymentScheme {

    /** The x402 scheme name buyers put in {@code accepted.scheme}. */
    String name();

    /**
     * Reads this scheme's payload, whose common fields (network, payTo, asset, amount) were checked already: a
     * verified credential, one to check per request, or a {@link Credential.Rejected}.
     *
     * @param acceptedMicros the most the buyer agreed to pay per request
     * @param client whose failed verifications a signature check counts against; {@code null} when not limited
     * @throws PaymentException for a failure that may pass on retry (unknown key, broker down, not yet valid); the
     *     reading stage caches what is returned, unless its {@link Credential#reusableUntilMillis} is 0
     */
    Credential read(PaymentPayload payload, long acceptedMicros, String network, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures;

    /** Charges and forwards a priced request paid with a credential this scheme read, or answers why not. */
    void serve(PricedRequest priced, Credential paid, FilterChain chain) throws IOException, ServletException;
}
