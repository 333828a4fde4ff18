package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.browser.CallbackGuard;
import dev.tollgate.gateway.http.ClientText;
import dev.tollgate.gateway.http.Cookies;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.protocol.MalformedPaymentException;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Objects;

/**
 * Turns a {@code PAYMENT-SIGNATURE} header or a {@code __Host-tollgate_scrip} cookie into a {@link Credential}: decodes,
 * checks what the buyer agreed to against this seller (the network one of its brokers, that broker the scrip's
 * issuer), verifies the scrip. Runs once per distinct credential; the outcome is cached. A
 * {@code TOLLGATE-REFERENCE} header, sent instead of the payment, is read by {@link ScripReferences} per request, a
 * {@code TOLLGATE-PAYWORD} header by {@link PayWordPayloads} (PROTOCOL.md sections 12 and 8).
 */
public final class CredentialReader {

    /** How long a permanently bad credential is remembered, so retrying it costs no signature check. */
    static final long REJECTION_MEMORY_MILLIS = 60_000;

    private final PaymentSchemes schemes;
    private final ScripTokens tokens;
    /** Reads and offers repeat references; {@code null} to do neither (benchmarks, tests of reading). */
    private final ScripReferences references;
    private final Clock clock;

    /** A reader of the scrip and PayWord schemes that is not limited per client (benchmarks, tests of reading). */
    public CredentialReader(ScripTokens.TokenVerifier verifier, Clock clock, java.time.Duration reverifyAfter) {
        this(new ScripTokens(verifier, clock, reverifyAfter, new FailedVerifications(
                GatewayConfig.ClientLimits.DEFAULTS.clients(), clock), null), clock);
    }

    private CredentialReader(ScripTokens tokens, Clock clock) {
        this(new PaymentSchemes(java.util.List.of(ScripScheme.readingOnly(tokens), PayWordScheme.readingOnly())),
                tokens, clock);
    }

    /**
     * @param schemes the schemes a payload may name
     * @param tokens verifies the browser flow's cookie, which is always scrip
     */
    public CredentialReader(PaymentSchemes schemes, ScripTokens tokens, Clock clock) {
        this(schemes, tokens, null, clock);
    }

    /**
     * @param schemes the schemes a payload may name
     * @param tokens verifies the browser flow's cookie, which is always scrip
     * @param references reads the {@code TOLLGATE-REFERENCE} header and offers references in receipts; {@code null}
     *     for neither
     */
    public CredentialReader(PaymentSchemes schemes, ScripTokens tokens, ScripReferences references, Clock clock) {
        this.schemes = Objects.requireNonNull(schemes);
        this.tokens = Objects.requireNonNull(tokens);
        this.references = references;
        this.clock = Objects.requireNonNull(clock);
    }

    /** How many scrip signatures were checked (credentials verified rather than found in the cache). */
    public long verifications() {
        return tokens.verifications();
    }

    /**
     * The verified credential the request carries, a {@link Credential.PayWordPayment} still to be checked against its
     * chain, or {@code null} if it carries none. A scrip not in the cache is verified only if its client address has
     * failures left ({@link FailedVerifications}); only a verification that fails counts against it.
     *
     * @throws FailedVerifications.TooManyFailures before the signature check, if the client has no failure left
     */
    Credential fromRequest(HttpServletRequest request, Snapshot current, CredentialCache credentials)
            throws PaymentException, FailedVerifications.TooManyFailures {
        String header = request.getHeader(PaymentHeaders.PAYMENT_SIGNATURE);
        char kind = 'H';
        String value = header;
        if (header == null) {
            String reference = request.getHeader(PaymentHeaders.TOLLGATE_REFERENCE);
            String word = request.getHeader(PaymentHeaders.TOLLGATE_PAYWORD);
            if (word != null) { // a new word each time: read per request, never digested nor cached
                if (reference != null) {
                    throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "send either "
                            + PaymentHeaders.TOLLGATE_REFERENCE + " (scrip) or " + PaymentHeaders.TOLLGATE_PAYWORD
                            + " (a PayWord chain), not both");
                }
                long started = current.meters.start();
                try {
                    return PayWordPayloads.readCompact(word, current);
                } finally { // timed as a full header read is, refused or not (never cached: cached=false)
                    current.meters.verified(started, false);
                }
            }
            if (reference != null && references != null) { // per request: an HMAC and a map lookup, no digest
                return references.read(reference, current, new PayingClient(request, current.config.clientLimits()));
            }
            value = cookie(request);
            kind = 'C';
            if (value == null) {
                return null;
            }
        }
        CredentialCache.Key key = kind == 'H' ? CredentialCache.key(kind, value) : CredentialCache.tokenKey(value);
        long started = current.meters.start();
        Credential credential = credentials.get(key);
        boolean cached = credential != null;
        if (!cached) {
            PayingClient client = new PayingClient(request, current.config.clientLimits());
            credential = kind == 'H' ? fromHeader(value, current, client) : fromCookie(value, client);
            if (credential.reusableUntilMillis() != 0) { // 0: a PayWord word, one per request, nothing to reuse
                credentials.put(key, credential);
            }
        }
        current.meters.verified(started, cached);
        if (credential instanceof Credential.Rejected) {
            throw ((Credential.Rejected) credential).exception();
        }
        return credential;
    }

    /**
     * Reads an x402 payment header, not limited per client.
     *
     * @throws PaymentException for failures that may pass on retry (unknown key, broker down, not yet valid)
     */
    public Credential fromHeader(String header, Snapshot snapshot) throws PaymentException {
        try {
            return fromHeader(header, snapshot, null);
        } catch (FailedVerifications.TooManyFailures e) {
            throw new IllegalStateException("a read without a client is never limited", e);
        }
    }

    private Credential fromHeader(String header, Snapshot snapshot, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        try {
            PaymentPayload payload = X402Codec.decodeHeader(header, PaymentPayload.class);
            PaymentRequirements accepted = payload.accepted();
            PaymentScheme scheme = schemes.named(accepted.scheme());
            if (scheme == null) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "scheme '" + ClientText.excerpt(accepted.scheme())
                        + "' is not accepted here; pay with scheme " + schemes.names());
            }
            GatewayConfig.Broker onNetwork = snapshot.brokerOn(accepted.network());
            if (onNetwork == null) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "network '" + ClientText.excerpt(accepted.network())
                        + "' is not accepted here; pay on " + snapshot.networks);
            }
            if (!snapshot.config.sellerId().equals(accepted.payTo())) {
                throw new PaymentException(ErrorCode.WRONG_AUDIENCE, "payTo '" + ClientText.excerpt(accepted.payTo())
                        + "' is not this seller ('" + snapshot.config.sellerId() + "')");
            }
            if (!snapshot.currency.equals(accepted.asset())) {
                throw new PaymentException(ErrorCode.WRONG_CURRENCY, "asset '" + ClientText.excerpt(accepted.asset())
                        + "' is not this seller's currency (" + snapshot.currency + ")");
            }
            long acceptedMicros;
            try {
                acceptedMicros = Money.parseMicros(accepted.amount());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                        "accepted.amount must be a whole number of micro-units, like \"50000\"");
            }
            String paymentIdentifier = PaymentIdentifiers.read(payload);
            // The configured network's own string, equal to the header's: one copy per network, not one per credential
            // cached
            String network = onNetwork.network();
            Credential credential = scheme.read(payload, acceptedMicros, network, client);
            if (!(credential instanceof Credential.Verified verified)) {
                return credential;
            }
            // the network's broker issued it
            GatewayConfig.Broker broker = PayingBroker.of(verified.scrip().issuer(), network, snapshot);
            Credential.Verified paid = verified.withPaymentIdentifier(paymentIdentifier)
                    .withPass(chosenPass(accepted));
            return references == null ? paid
                    : paid.withReference(references.offer(paid, broker, snapshot.config.sellerId()));
        } catch (MalformedPaymentException e) {
            return rejected(new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "PAYMENT-SIGNATURE: " + e.getMessage()));
        } catch (PaymentException e) {
            return rejectedOrRethrow(e);
        }
    }

    /**
     * The pass the buyer chose to buy ({@code accepted.extra.pass}, PROTOCOL.md section 13), or {@code null} for the
     * item: only an id's form is checked here; whether the rule sells it is the charge's to check.
     */
    private static String chosenPass(PaymentRequirements accepted) throws PaymentException {
        Object pass = accepted.extra().get("pass");
        if (pass == null) {
            return null;
        }
        Object id = pass instanceof java.util.Map<?, ?> offered ? offered.get("id") : null;
        if (!(id instanceof String text) || !dev.tollgate.gateway.PriceRule.ID.matcher(text).matches()) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "accepted.extra.pass must be the pass offered, as {\"id\": \"day-pass\", ...}");
        }
        return text;
    }

    /** Reads the browser flow's cookie, whose value is the scrip itself; not limited per client. */
    public Credential fromCookie(String token) throws PaymentException {
        try {
            return fromCookie(token, null);
        } catch (FailedVerifications.TooManyFailures e) {
            throw new IllegalStateException("a read without a client is never limited", e);
        }
    }

    /**
     * Reads scrip posted to the browser flow's callback like the cookie: from {@code credentials} if it was read
     * before (so posting one token again costs no signature check), else verified and cached, a rejection too. Never
     * limited or counted here: the callback counts its own failures ({@link CallbackGuard}).
     */
    public Credential fromCallback(String token, CredentialCache credentials) throws PaymentException {
        CredentialCache.Key key = CredentialCache.tokenKey(token);
        Credential credential = credentials.get(key);
        if (credential == null) {
            credential = fromCookie(token);
            credentials.put(key, credential);
        }
        return credential;
    }

    private Credential fromCookie(String token, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        try {
            return tokens.verify(token, Long.MAX_VALUE, null, client);
        } catch (PaymentException e) {
            return rejectedOrRethrow(e);
        }
    }

    private Credential rejectedOrRethrow(PaymentException e) throws PaymentException {
        switch (e.code()) {
            case UNKNOWN_KEY:
            case BROKER_UNAVAILABLE:
            case TOKEN_NOT_YET_VALID:
                throw e;
            default:
                return rejected(e);
        }
    }

    private Credential.Rejected rejected(PaymentException e) {
        return new Credential.Rejected(e.code(), e.getMessage(), clock.millis() + REJECTION_MEMORY_MILLIS);
    }

    private static String cookie(HttpServletRequest request) {
        return Cookies.value(request, TollgateFilter.SCRIP_COOKIE);
    }
}
