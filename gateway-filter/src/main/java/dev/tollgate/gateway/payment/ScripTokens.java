package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ScripAccount;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Verifies scrip tokens, from the x402 header or the browser flow's cookie: each check is refused first if its client
 * has no failure left, and a check that fails counts against it. Thread-safe.
 */
public final class ScripTokens {

    /** Verifies a scrip's signature and claims. */
    @FunctionalInterface
    public interface TokenVerifier {
        ScripAccount verify(String token) throws PaymentException;
    }

    private final TokenVerifier verifier;
    private final Clock clock;
    private final long reverifyAfterMillis;
    private final FailedVerifications failures;
    /** Signature checks of scrip done (not served from the cache): what a flood of bad tokens would cost. */
    private final LongAdder verifications = new LongAdder();

    public ScripTokens(TokenVerifier verifier, Clock clock, Duration reverifyAfter, FailedVerifications failures) {
        this.verifier = Objects.requireNonNull(verifier);
        this.clock = Objects.requireNonNull(clock);
        this.reverifyAfterMillis = reverifyAfter.toMillis();
        this.failures = Objects.requireNonNull(failures);
    }

    /** How many scrip signatures were checked. */
    long verifications() {
        return verifications.sum();
    }

    /**
     * Checks the scrip's signature and claims: refused first if {@code client} has no failure left.
     *
     * @param client {@code null} when not limited
     */
    Credential.Verified verify(String token, long acceptedMicros, String network, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        if (client != null) {
            failures.check(client.address(), client.limits());
        }
        verifications.increment();
        ScripAccount scrip;
        try {
            scrip = verifier.verify(token);
        } catch (PaymentException e) {
            if (client != null && e.code() != ErrorCode.BROKER_UNAVAILABLE) { // the gateway's outage is no failure
                failures.failed(client.address(), client.limits());
            }
            throw e;
        }
        long expires = scrip.expiresAt().toEpochMilli();
        return new Credential.Verified(scrip, acceptedMicros, network, Receipts.jsonString(scrip.buyer()), expires,
                Math.min(expires, clock.millis() + reverifyAfterMillis), null);
    }
}
