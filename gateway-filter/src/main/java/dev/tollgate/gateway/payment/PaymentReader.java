package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.GatewayConfig;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * The second stage of a priced request: reads the payment it carries (the x402 header, or the browser flow's cookie)
 * through the {@link CredentialCache}, and answers a request that carries none or one that does not read. Thread-safe.
 */
public final class PaymentReader {

    private final CredentialReader reader;
    private final CredentialCache credentials;

    public PaymentReader(CredentialReader reader, CredentialCache credentials) {
        this.reader = reader;
        this.credentials = credentials;
    }

    /** The credential to pay with, or {@code null} when the request was answered (402, 429). */
    public Credential read(PricedRequest priced) throws IOException {
        Credential read;
        try {
            read = reader.fromRequest(priced.request(), priced.current(), credentials);
        } catch (PaymentException e) {
            Answers.paymentRequired(priced, e.code(), e.getMessage());
            return null;
        } catch (FailedVerifications.TooManyFailures e) {
            Answers.tooManyFailures(priced, e.retryAfterSeconds(), e.code(), e.getMessage());
            return null;
        } catch (RuntimeException e) {
            Answers.unreadablePayment(priced, e);
            return null;
        }
        if (read instanceof Credential.Verified verified && verified.network() == null) {
            // No network: the cookie's scrip. A 402 for its budget running out offers a top-up at its broker only.
            priced.request().setAttribute(Answers.COOKIE_ISSUER_ATTRIBUTE, verified.scrip().issuer());
        }
        if (read == null) {
            Snapshot current = priced.current();
            Answers.paymentRequired(priced, ErrorCode.PAYMENT_REQUIRED, "pay " + priced.rule().price()
                    + " with scrip from " + current.config.brokers().stream()
                    .filter(broker -> priced.rule().acceptsBroker(broker.id())).map(GatewayConfig.Broker::name)
                    .collect(Collectors.joining(" or ")));
        }
        return read;
    }
}
