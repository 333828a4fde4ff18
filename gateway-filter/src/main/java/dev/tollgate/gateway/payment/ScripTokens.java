package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ScripAccount;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

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
    /** By the scrip's issuer: how long a verified scrip is reused before it is verified again. */
    private final ToLongFunction<String> reverifyAfterMillis;
    private final FailedVerifications failures;
    /** Verified tokens by the digest of their signature, as the cookie flow keys them; {@code null} to keep none. */
    private final CredentialCache verified;
    /** Signature checks of scrip done (not served from the cache): what a flood of bad tokens would cost. */
    private final LongAdder verifications = new LongAdder();

    /**
     * @param verified where a verified token is kept under {@code CredentialCache.tokenKey(token)}, the key of the
     *     browser flow's cookie, whose value is the token: a header is verified once per token, not once per header;
     *     {@code null} to check every token (a reader of headers alone: benchmarks, tests of reading)
     */
    public ScripTokens(TokenVerifier verifier, Clock clock, Duration reverifyAfter, FailedVerifications failures,
                       CredentialCache verified) {
        this(verifier, clock, issuer -> reverifyAfter.toMillis(), failures, verified);
    }

    /**
     * @param reverifyAfterMillis by the scrip's issuer, how long a verified scrip is reused at most: its broker's key
     *     refresh, so that a key the broker withdraws stops the scrip it signed within one refresh
     */
    public ScripTokens(TokenVerifier verifier, Clock clock, ToLongFunction<String> reverifyAfterMillis,
                       FailedVerifications failures, CredentialCache verified) {
        this.verifier = Objects.requireNonNull(verifier);
        this.clock = Objects.requireNonNull(clock);
        this.reverifyAfterMillis = Objects.requireNonNull(reverifyAfterMillis);
        this.failures = Objects.requireNonNull(failures);
        this.verified = verified;
    }

    /** How many scrip signatures were checked. */
    long verifications() {
        return verifications.sum();
    }

    /**
     * Checks the scrip's signature and claims: refused first if {@code client} has no failure left. A token verified
     * before (from a header, the cookie or the callback) is not checked again until its reuse time: headers that
     * differ only in what the buyer echoed (the resource, a payment identifier per payment) verify their scrip once.
     *
     * @param acceptedMicros what the header agreed to pay, or {@link Long#MAX_VALUE} for the cookie
     * @param network the header's {@code accepted.network}, or {@code null} for the cookie
     * @param client {@code null} when not limited
     */
    Credential.Verified verify(String token, long acceptedMicros, String network, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        if (verified == null) {
            return check(token, client).paidWith(acceptedMicros, network);
        }
        CredentialCache.Key key = CredentialCache.tokenKey(token);
        if (verified.get(key) instanceof Credential.Verified known) {
            return known.paidWith(acceptedMicros, network);
        }
        Credential.Verified checked = check(token, client);
        verified.put(key, checked);
        return checked.paidWith(acceptedMicros, network);
    }

    /** The token checked as the cookie flow reads it: any amount, no network. */
    private Credential.Verified check(String token, PayingClient client)
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
        return new Credential.Verified(scrip, Long.MAX_VALUE, null, Receipts.jsonString(scrip.buyer()), expires,
                Math.min(expires, clock.millis() + reverifyAfterMillis.applyAsLong(scrip.issuer())), null, null);
    }
}
