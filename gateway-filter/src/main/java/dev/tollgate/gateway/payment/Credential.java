package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.Scrip;

/**
 * The outcome of reading a payment header or cookie once: kept in the {@link CredentialCache} so that repeat
 * clicks with the same credential are neither decoded nor verified again.
 */
public sealed interface Credential {

    /** Until when, in epoch milliseconds, this outcome may be reused; 0 if never (it is not cached). */
    long reusableUntilMillis();

    /** The name of the {@link PaymentScheme} that read it and serves the request it pays. */
    String scheme();

    /**
     * A scrip whose signature and claims checked out.
     *
     * @param acceptedMicros the most the buyer agreed to pay per request ({@code accepted.amount}); for the cookie
     *     flow, where the buyer consented at the broker to the whole budget, {@link Long#MAX_VALUE}
     * @param network the {@code accepted.network} the buyer named, or {@code null} for the cookie flow
     * @param buyerJson the buyer pseudonym as a JSON string literal, escaped once for the settlement header
     * @param expiresAtMillis the scrip's {@code exp}
     * @param reusableUntilMillis when the scrip is verified again: its expiry, or sooner, so that a key the broker
     *     withdraws stops scrip it signed within one key refresh
     * @param paymentIdentifier the x402 payment identifier the header carried (PROTOCOL.md section 11), or
     *     {@code null}; part of the header, so each identifier is its own cache entry
     * @param reference the repeat reference the receipt offers (PROTOCOL.md section 12), or {@code null} for none:
     *     made once per header read, not for the cookie nor for a payment made with a reference
     * @param pass the id of the pass the buyer chose to buy ({@code accepted.extra.pass}, docs/PROTOCOL.md section
     *     14), or {@code null} to pay for the item; checked against the rule when it is charged
     */
    record Verified(ScripAccount scrip, long acceptedMicros, String network, String buyerJson, long expiresAtMillis,
                    long reusableUntilMillis, String paymentIdentifier, String reference, String pass)
            implements Credential {

        Verified(ScripAccount scrip, long acceptedMicros, String network, String buyerJson, long expiresAtMillis,
                 long reusableUntilMillis, String paymentIdentifier, String reference) {
            this(scrip, acceptedMicros, network, buyerJson, expiresAtMillis, reusableUntilMillis, paymentIdentifier,
                    reference, null);
        }

        /** This verified scrip as one header or the cookie pays with it: what it agreed to, on which network. */
        Verified paidWith(long accepted, String on) {
            return accepted == acceptedMicros && java.util.Objects.equals(on, network) && paymentIdentifier == null
                    && reference == null && pass == null ? this : new Verified(scrip, accepted, on, buyerJson,
                    expiresAtMillis, reusableUntilMillis, null, null);
        }

        /** This scrip as paid with {@code id} (the signature checked once, the identifier read per header). */
        Verified withPaymentIdentifier(String id) {
            return id == null ? this : new Verified(scrip, acceptedMicros, network, buyerJson, expiresAtMillis,
                    reusableUntilMillis, id, reference, pass);
        }

        /** This payment with the repeat reference its receipt offers. */
        Verified withReference(String offered) {
            return offered == null ? this : new Verified(scrip, acceptedMicros, network, buyerJson, expiresAtMillis,
                    reusableUntilMillis, paymentIdentifier, offered, pass);
        }

        /** This payment buying the pass {@code chosen} rather than the item. */
        Verified withPass(String chosen) {
            return chosen == null ? this : new Verified(scrip, acceptedMicros, network, buyerJson, expiresAtMillis,
                    reusableUntilMillis, paymentIdentifier, reference, chosen);
        }

        @Override
        public String scheme() {
            return Scrip.SCHEME;
        }
    }

    /**
     * A PayWord payment (PROTOCOL.md section 8) as read from the header, not verified yet: the commitment and the word
     * are checked per request against the chain's head by {@link ChainPayer}. Never cached: every payment on a
     * chain carries another word.
     *
     * @param commitment the commitment's compact JWS, or {@code null} when only its id was sent
     * @param commitmentId the commitment's id (computed from {@code commitment} when that was sent)
     * @param index {@code i}, at least 0 as read; the range is checked against the chain
     * @param word {@code w_i}, 32 bytes
     * @param acceptedMicros the most the buyer agreed to pay for this request
     * @param network the {@code accepted.network} the buyer named
     */
    record PayWordPayment(String commitment, String commitmentId, int index, byte[] word, long acceptedMicros,
                          String network) implements Credential {

        @Override
        public long reusableUntilMillis() {
            return 0;
        }

        @Override
        public String scheme() {
            return PayWord.SCHEME;
        }
    }

    /** A credential that will never verify: cached briefly so a flood of one bad token costs one check. */
    record Rejected(ErrorCode code, String message, long untilMillis) implements Credential {

        PaymentException exception() {
            return new PaymentException(code, message);
        }

        @Override
        public long reusableUntilMillis() {
            return untilMillis;
        }

        /** None: a rejected credential is answered by the reading stage and pays for nothing. */
        @Override
        public String scheme() {
            return "";
        }
    }
}
