package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.internal.PayWordVerifier;
import dev.tollgate.gateway.internal.PaymentException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.protocol.MalformedPaymentException;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.Scrip;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns a {@code PAYMENT-SIGNATURE} header or a {@code __Host-tollgate_scrip} cookie into a {@link Credential}: decodes,
 * checks what the buyer agreed to against this seller, verifies the scrip. Runs once per distinct credential;
 * the outcome is cached.
 */
final class CredentialReader {

    /** How long a permanently bad credential is remembered, so retrying it costs no signature check. */
    static final long REJECTION_MEMORY_MILLIS = 60_000;

    /** Verifies a scrip's signature and claims. */
    @FunctionalInterface
    interface TokenVerifier {
        ScripAccount verify(String token) throws PaymentException;
    }

    private final TokenVerifier verifier;
    private final Clock clock;
    private final long reverifyAfterMillis;
    private final FailedVerifications failures;
    /** Signature checks of scrip done (not served from the cache): what a flood of bad tokens would cost. */
    private final LongAdder verifications = new LongAdder();

    /** A reader whose callers are not limited per client (benchmarks, tests of the reading itself). */
    CredentialReader(TokenVerifier verifier, Clock clock, java.time.Duration reverifyAfter) {
        this(verifier, clock, reverifyAfter, new FailedVerifications(
                GatewayConfig.ClientLimits.DEFAULTS.clients(), clock));
    }

    CredentialReader(TokenVerifier verifier, Clock clock, java.time.Duration reverifyAfter,
                     FailedVerifications failures) {
        this.verifier = Objects.requireNonNull(verifier);
        this.clock = Objects.requireNonNull(clock);
        this.reverifyAfterMillis = reverifyAfter.toMillis();
        this.failures = Objects.requireNonNull(failures);
    }

    /** How many scrip signatures were checked (credentials verified rather than found in the cache). */
    long verifications() {
        return verifications.sum();
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
            value = cookie(request);
            kind = 'C';
            if (value == null) {
                return null;
            }
        }
        CredentialCache.Key key = CredentialCache.key(kind, value);
        Credential credential = credentials.get(key);
        if (credential == null) {
            Client client = new Client(request, current.config.clientLimits());
            credential = kind == 'H' ? fromHeader(value, current, client) : fromCookie(value, client);
            if (credential instanceof Credential.PayWordPayment) {
                return credential; // one word per request: nothing to reuse
            }
            credentials.put(key, credential);
        }
        if (credential instanceof Credential.Rejected) {
            throw ((Credential.Rejected) credential).exception();
        }
        return credential;
    }

    /** Whose failed verifications a read counts against (found only if a signature is to be checked), the limit. */
    private static final class Client {
        private final HttpServletRequest request;
        private final GatewayConfig.ClientLimits limits;
        private String address;

        Client(HttpServletRequest request, GatewayConfig.ClientLimits limits) {
            this.request = request;
            this.limits = limits;
        }

        String address() {
            if (address == null) {
                address = FailedVerifications.clientOf(request, limits);
            }
            return address;
        }

        GatewayConfig.ClientLimits limits() {
            return limits;
        }
    }

    /**
     * Reads an x402 payment header, not limited per client.
     *
     * @throws PaymentException for failures that may pass on retry (unknown key, broker down, not yet valid)
     */
    Credential fromHeader(String header, Snapshot snapshot) throws PaymentException {
        try {
            return fromHeader(header, snapshot, null);
        } catch (FailedVerifications.TooManyFailures e) {
            throw new IllegalStateException("a read without a client is never limited", e);
        }
    }

    private Credential fromHeader(String header, Snapshot snapshot, Client client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        try {
            PaymentPayload payload = X402Codec.decodeHeader(header, PaymentPayload.class);
            PaymentRequirements accepted = payload.accepted();
            boolean payWord = PayWord.SCHEME.equals(accepted.scheme());
            if (!payWord && !Scrip.SCHEME.equals(accepted.scheme())) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "scheme '" + clip(accepted.scheme())
                        + "' is not accepted here; pay with scheme 'scrip' or 'payword'");
            }
            if (!snapshot.network.equals(accepted.network())) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "network '" + clip(accepted.network())
                        + "' is not accepted here; pay on '" + snapshot.network + "'");
            }
            if (!snapshot.config.sellerId().equals(accepted.payTo())) {
                throw new PaymentException(ErrorCode.WRONG_AUDIENCE, "payTo '" + clip(accepted.payTo())
                        + "' is not this seller ('" + snapshot.config.sellerId() + "')");
            }
            if (!snapshot.currency.equals(accepted.asset())) {
                throw new PaymentException(ErrorCode.WRONG_CURRENCY, "asset '" + clip(accepted.asset())
                        + "' is not this seller's currency (" + snapshot.currency + ")");
            }
            long acceptedMicros;
            try {
                acceptedMicros = Money.parseMicros(accepted.amount());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                        "accepted.amount must be a whole number of micro-units, like \"50000\"");
            }
            if (payWord) {
                return payWord(payload, acceptedMicros, accepted.network());
            }
            String token = payload.payloadString("token");
            if (token == null || token.isEmpty()) {
                throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "payload.token is missing");
            }
            return verified(token, acceptedMicros, accepted.network(), client);
        } catch (MalformedPaymentException e) {
            return rejected(new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "PAYMENT-SIGNATURE: " + e.getMessage()));
        } catch (PaymentException e) {
            return rejectedOrRethrow(e);
        }
    }

    /**
     * The PayWord payload: {@code commitment} or {@code commitmentId}, {@code index} (a JSON integer) and
     * {@code word}. Only its form is checked here; the commitment and the word are checked against the chain.
     */
    private static Credential payWord(PaymentPayload payload, long acceptedMicros, String network)
            throws PaymentException {
        String commitment = payload.payloadString(PayWord.COMMITMENT);
        String commitmentId = payload.payloadString(PayWord.COMMITMENT_ID);
        if (commitment != null && !commitment.isEmpty()) {
            if (commitment.length() > PayWordVerifier.MAX_COMMITMENT_CHARS) {
                throw new PaymentException(ErrorCode.INVALID_COMMITMENT, "payload.commitment is longer than "
                        + PayWordVerifier.MAX_COMMITMENT_CHARS + " characters");
            }
            commitmentId = PayWord.commitmentId(commitment);
        } else if (commitmentId == null || commitmentId.length() != PayWord.WORD_CHARS) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "payload must carry 'commitment', or 'commitmentId' (43 base64url characters)");
        } else {
            commitment = null;
        }
        Object index = payload.payload().get(PayWord.INDEX);
        if (!(index instanceof Integer i) || i < 0) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, index instanceof Number
                    && !(index instanceof Double) && !(index instanceof java.math.BigDecimal)
                    ? "payload.index is out of range" : "payload.index must be a JSON integer");
        }
        byte[] word;
        try {
            word = PayWord.decodeWord(payload.payloadString(PayWord.WORD));
        } catch (IllegalArgumentException e) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT,
                    "payload.word must be " + PayWord.WORD_CHARS + " base64url characters");
        }
        return new Credential.PayWordPayment(commitment, commitmentId, i, word, acceptedMicros, network);
    }

    /** Reads the browser flow's cookie, whose value is the scrip itself; not limited per client. */
    Credential fromCookie(String token) throws PaymentException {
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
    Credential fromCallback(String token, CredentialCache credentials) throws PaymentException {
        CredentialCache.Key key = CredentialCache.key('C', token);
        Credential credential = credentials.get(key);
        if (credential == null) {
            credential = fromCookie(token);
            credentials.put(key, credential);
        }
        return credential;
    }

    private Credential fromCookie(String token, Client client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        try {
            return verified(token, Long.MAX_VALUE, null, client);
        } catch (PaymentException e) {
            return rejectedOrRethrow(e);
        }
    }

    /** Checks the scrip's signature and claims: refused first if {@code client} has no failure left. */
    private Credential.Verified verified(String token, long acceptedMicros, String network, Client client)
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
                Math.min(expires, clock.millis() + reverifyAfterMillis));
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

    /** Echoes a short, printable part of what the buyer sent, never a token. */
    private static String clip(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
