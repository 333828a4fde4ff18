package dev.tollgate.gateway.payment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.keys.ExpireAt;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.LedgerView;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.protocol.MalformedPaymentException;
import dev.tollgate.protocol.Scrip;
import dev.tollgate.protocol.ScripReference;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * Repeat references (PROTOCOL.md section 12): the short reference to verified scrip that a receipt offers, and the
 * payment a buyer makes with it instead of the whole x402 payload. A reference is
 * {@code 1.<broker id>.<jti>.<expiry>.<tag>}, the tag an HMAC ({@link ReferenceKey}) over the rest, this seller and
 * the broker's issuer; its expiry is the scrip's reuse time (its {@code exp}, or its broker's key refresh if sooner),
 * so a reference never outlives the signature check it stands for. A reference resolves to scrip this gateway keeps in
 * memory (at most {@code maximumSize}, each until its reuse time) or, after a restart or an eviction, to the scrip the
 * ledger recorded; a ledger read that finds nothing counts as a failed payment of the client. The reference made or
 * checked last for a scrip is kept with it, so a repeat click compares text instead of computing the HMAC.
 * An entry keeps the scrip as its header paid it ({@link Credential.Verified}, its claims, the buyer's JSON) and the
 * reference: about 600 bytes with the claims (a class histogram after 120,000 first-seen scrip), so the 100,000 scrip of
 * the default {@code maximumSize} hold about 60 MB, the most of any table a first-seen scrip grows.
 * Thread-safe.
 */
public final class ScripReferences {

    private static final String VERSION = "1";

    /** A scrip by its identity. */
    private record Known(String issuer, String jti) {
    }

    /** A verified scrip, and the latest reference to it this gateway made or checked. */
    private record Remembered(Credential.Verified scrip, String reference) {
    }

    private final ReferenceKey key;
    private final Cache<Known, Remembered> known;
    private final LedgerView ledger;
    private final FailedVerifications failures;
    private final Clock clock;

    ScripReferences(ReferenceKey key, long maximumSize, LedgerView ledger, FailedVerifications failures,
                    Clock clock) {
        this.key = key;
        this.ledger = ledger;
        this.failures = failures;
        this.clock = clock;
        this.known = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfter(ExpireAt.<Known, Remembered>millis(clock, r -> r.scrip().reusableUntilMillis()))
                .build();
    }

    /**
     * References bound with the key in {@code <dataDir>/reference-key} (made at first start).
     *
     * @param maximumSize the most scrip kept in memory to resolve references with
     */
    public static ScripReferences open(Path dataDir, long maximumSize, LedgerView ledger,
                                       FailedVerifications failures, Clock clock) throws IOException {
        return new ScripReferences(ReferenceKey.loadOrCreate(dataDir), maximumSize, ledger, failures, clock);
    }

    /**
     * The reference the receipt of {@code paid} offers, or {@code null} if it offers none (a {@code jti} with other
     * characters than {@code [A-Za-z0-9_-]}, or a reuse time less than a second away); remembers the scrip.
     */
    String offer(Credential.Verified paid, GatewayConfig.Broker broker, String seller) {
        ScripAccount scrip = paid.scrip();
        long expires = paid.reusableUntilMillis() / 1000;
        if (!plain(scrip.jti()) || expires * 1000 <= clock.millis()) {
            return null;
        }
        String body = VERSION + '.' + broker.id() + '.' + scrip.jti() + '.' + expires;
        String reference = body + '.' + key.tag(body, context(seller, broker.issuer()));
        known.put(new Known(scrip.issuer(), scrip.jti()), new Remembered(paid, reference));
        return reference;
    }

    /**
     * Reads a {@code TOLLGATE-REFERENCE} header: the scrip it refers to, as paid with this request's amount and payment
     * identifier. Everything else (the scrip's expiry, the price, what the rule accepts) is checked when it pays, as
     * for any payment.
     *
     * @param client whose failed payments a ledger read that finds nothing counts against
     * @throws PaymentException {@code malformed_payment} for a header of the wrong form, {@code invalid_reference} for
     *     a reference not made with this seller's key, {@code unknown_reference} for one expired or whose scrip this
     *     gateway does not know
     * @throws FailedVerifications.TooManyFailures before a ledger read, if the client has no failure left
     */
    Credential.Verified read(String header, Snapshot current, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        ScripReference payment;
        String paymentId;
        try {
            payment = ScripReference.parse(header);
            paymentId = PaymentIdentifiers.checked(payment.paymentId(), "the reference header");
        } catch (MalformedPaymentException e) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "TOLLGATE-REFERENCE: " + e.getMessage());
        }
        String reference = payment.reference();
        String[] parts = reference.split("\\.", -1);
        if (parts.length != 5 || !parts[0].equals(VERSION) || !Scrip.isValidBrokerId(parts[1])
                || !plainNumber(parts[3])) {
            throw invalid();
        }
        GatewayConfig.Broker broker = current.brokerOn(Scrip.network(parts[1]));
        if (broker == null) {
            throw new PaymentException(ErrorCode.UNKNOWN_REFERENCE, "the reference names a broker this seller no "
                    + "longer accepts");
        }
        String seller = current.config.sellerId();
        Known id = new Known(broker.issuer(), parts[2]);
        Remembered remembered = known.getIfPresent(id);
        // The reference made or checked last for this scrip is known good: compared as text (in constant time), it
        // needs no HMAC. Any other is checked.
        if ((remembered == null || !sameText(remembered.reference(), reference))
                && !key.verifies(parts[4], reference.substring(0, reference.lastIndexOf('.')),
                        context(seller, broker.issuer()))) {
            throw invalid();
        }
        long expiresMillis = Long.parseLong(parts[3]) * 1000;
        if (expiresMillis <= clock.millis()) {
            throw unknown("the reference has expired");
        }
        Credential.Verified scrip = remembered != null ? remembered.scrip()
                : recorded(id, reference, seller, current.currency, expiresMillis, client);
        return new Credential.Verified(scrip.scrip(), payment.amountMicros(), broker.network(), scrip.buyerJson(),
                scrip.expiresAtMillis(), expiresMillis, paymentId, null);
    }

    /** Whether two texts are equal, in a time that does not depend on where they differ. */
    private static boolean sameText(String a, String b) {
        if (a.length() != b.length()) { // the length of a reference is no secret: it has no secret part of its own
            return false;
        }
        int difference = 0;
        for (int i = 0; i < a.length(); i++) {
            difference |= a.charAt(i) ^ b.charAt(i);
        }
        return difference == 0;
    }

    /** The scrip as the ledger recorded it, kept in memory from now on. */
    private Credential.Verified recorded(Known id, String reference, String seller, String currency,
                                         long expiresMillis, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        if (client != null) {
            failures.check(client.address(), client.limits());
        }
        Optional<ScripAccount> recorded;
        try {
            recorded = ledger.scrip(id.issuer(), id.jti());
        } catch (LedgerUnavailableException e) {
            throw unknown("the reference could not be looked up");
        }
        ScripAccount scrip = recorded.orElse(null);
        if (scrip == null || !scrip.seller().equals(seller) || !scrip.currency().equals(currency)) {
            if (client != null) {
                failures.failed(client.address(), client.limits());
            }
            throw unknown("the reference names scrip this seller does not know");
        }
        long expires = scrip.expiresAt().toEpochMilli();
        Credential.Verified verified = new Credential.Verified(scrip, Long.MAX_VALUE, null,
                Receipts.jsonString(scrip.buyer()), expires, Math.min(expires, expiresMillis), null, null);
        known.put(id, new Remembered(verified, reference));
        return verified;
    }

    private static String context(String seller, String issuer) {
        return seller + '\n' + issuer;
    }

    private static PaymentException invalid() {
        return new PaymentException(ErrorCode.INVALID_REFERENCE, "the reference was not made by this seller, or was "
                + "changed; pay with the scrip itself (PAYMENT-SIGNATURE)");
    }

    private static PaymentException unknown(String why) {
        return new PaymentException(ErrorCode.UNKNOWN_REFERENCE, why + "; pay with the scrip itself "
                + "(PAYMENT-SIGNATURE), whose receipt offers a new reference");
    }

    /** Whether a {@code jti} can stand in a reference as it is: 1 to 128 characters of {@code [A-Za-z0-9_-]}. */
    private static boolean plain(String jti) {
        if (jti.isEmpty() || jti.length() > 128) {
            return false;
        }
        for (int i = 0; i < jti.length(); i++) {
            char c = jti.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** 1 to 12 decimal digits: seconds since the epoch until the year 33658. */
    private static boolean plainNumber(String text) {
        if (text.isEmpty() || text.length() > 12) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
