package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.ShadowReport;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.route.PricedRequest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage that replaces reading and charging in {@code mode: shadow} (docs/CONFIG.md, "Shadow mode"): every priced
 * request is served free; its payment, if it carries one, is read and verified as in {@code live} mode but never
 * charged, so the buyer's budget, PayWord chain and payment identifier stay unused. What it would have been charged
 * or why it would have been refused is counted ({@link ShadowReport}), logged at DEBUG, and told to the client in
 * {@link #HEADER}; there is no {@code PAYMENT-RESPONSE}, since nothing was settled. The content is kept private to
 * caches as paid content is, so a shared cache does not go on serving it free once the gateway goes live.
 *
 * <p>Not checked in shadow mode, since only a charge would find them: the scrip's budget left (nothing is spent, so
 * none runs out), online confirmation, refunds. Thread-safe.
 */
public final class ShadowMode {

    /** {@code would-charge=<micros>} or {@code would-refuse=<error code>}, on every priced answer in shadow mode. */
    public static final String HEADER = "Tollgate-Shadow";
    private static final Logger LOG = LoggerFactory.getLogger(ShadowMode.class);

    private final CredentialReader reader;
    private final CredentialCache credentials;
    private final ShadowCounts counts = new ShadowCounts();

    public ShadowMode(CredentialReader reader, CredentialCache credentials) {
        this.reader = reader;
        this.credentials = credentials;
    }

    /** Counts what the request would have cost, then passes it on free. */
    public void serve(PricedRequest priced, FilterChain chain) throws IOException, ServletException {
        PriceRule rule = priced.rule();
        long price = rule.price().micros();
        ErrorCode refusal;
        try {
            refusal = refusal(reader.fromRequest(priced.request(), priced.current(), credentials), price);
        } catch (PaymentException e) {
            refusal = e.code();
        } catch (FailedVerifications.TooManyFailures e) {
            refusal = e.code();
        } catch (RuntimeException e) {
            LOG.warn("Could not read the payment for {} (shadow mode: served free)", priced.path(), e);
            refusal = ErrorCode.MALFORMED_PAYMENT;
        }
        String outcome;
        if (refusal == null) {
            counts.charged(rule.id().orElse(rule.match()), price);
            outcome = "would-charge=" + price;
        } else {
            counts.refused(refusal);
            outcome = "would-refuse=" + refusal.code();
        }
        LOG.debug("Shadow mode: {} {} served free, {}", priced.request().getMethod(), priced.path(), outcome);
        priced.response().setHeader(HEADER, outcome);
        AsyncKeepsWrapper.forward(chain, priced.request(), new PaidResponse(priced.response(), null, null));
    }

    /** What {@code live} mode would refuse a payment read as {@code read} for, or {@code null} if it would charge. */
    private static ErrorCode refusal(Credential read, long price) {
        long accepted;
        if (read == null) {
            return ErrorCode.PAYMENT_REQUIRED;
        } else if (read instanceof Credential.Verified scrip) {
            accepted = scrip.acceptedMicros();
        } else if (read instanceof Credential.PayWordPayment word) {
            accepted = word.acceptedMicros();
        } else {
            return ErrorCode.MALFORMED_PAYMENT;
        }
        return accepted < price ? ErrorCode.PRICE_CHANGED : null;
    }

    public ShadowReport report(String currency) {
        return counts.report(currency);
    }
}
