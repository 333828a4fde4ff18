package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.settlement.RefundHold;
import java.io.IOException;
import java.time.Instant;

/**
 * What a verified payment lets the charge models do, whatever the scheme: the account one request is charged on (a
 * scrip's budget, a PayWord chain's credit) and the scheme's own words for the answers. A payment scheme makes
 * one per request once the payment checked out; a {@link Charging} uses it and never asks which scheme made it. Used
 * by one request's thread.
 */
public interface Payer {

    /** The x402 network of the broker the account is at ({@code tollgate:<broker id>}), for receipts. */
    String network();

    /** The issuer of the broker the account is at: whose settler claims its charges. */
    String issuer();

    /** The buyer's pseudonym at the broker, for the app's {@link Payment}. */
    String buyer();

    /** The scrip's {@code jti}, or the PayWord commitment's id: for the app's {@link Payment}. */
    String paymentId();

    /** The buyer as a JSON string literal, for receipts. */
    String buyerJson();

    /** Holds {@code micros} back from claims on this account until the charge is final or refunded (RefundHolds). */
    RefundHold hold(long micros);

    /** The 402 message for an account refunded too often (RefundLimit), checked before a charge a request may refund. */
    String tooManyRefunds(PricedRequest priced);

    /**
     * Charges {@code micros} durably for {@code resource}: {@link ChargeResult.Charged}, {@link ChargeResult.Replayed}
     * for a request sent again under the payment identifier of a charge it made, or another result that
     * {@link #refused} answers.
     *
     * @param sameRequest what a request sent again under the request's payment identifier must repeat, beside the
     *     resource, to be the same payment (its method and query, PROTOCOL.md section 11); {@code null} if the charge
     *     is not made once per identifier
     * @throws PaymentException when the payment itself turns out invalid while it is charged (a PayWord word)
     */
    ChargeResult charge(long micros, String resource, String sameRequest)
            throws PaymentException, LedgerUnavailableException;

    /**
     * Charges {@code micros} once per stream entitlement and window: {@link ChargeResult.Entitled} when it was paid
     * for already. Only for schemes a per-stream rule accepts.
     */
    ChargeResult chargeStream(long micros, String entitlement, Instant now, Instant until)
            throws LedgerUnavailableException;

    /**
     * Whether this account's buyer can hold entitlements bought on a per-click rule (access windows, passes): scrip's
     * buyer, whom the broker names the same in every scrip; a PayWord chain pays each click.
     */
    default boolean holdsEntitlements() {
        return false;
    }

    /** The pass this payment buys instead of the item, which the scheme checked the rule sells; or {@code null}. */
    default Pass chosenPass() {
        return null;
    }

    /**
     * Starts paying a metered response unit by unit: what the units are drawn from. {@code null} when the payment was
     * refused, in which case the answer was sent.
     */
    UnitCharger meter(PricedRequest priced) throws IOException, PaymentException, LedgerUnavailableException;

    /**
     * Why this request may not be charged though its payment checked out (cookie scrip the person did not confirm), or
     * {@code null}. A rule whose model lets such a request pass on an entitlement already bought
     * ({@link Charging#passesOnEntitlement}) is served without a charge; any other is refused.
     */
    PaymentException mayNotCharge();

    /**
     * The repeat reference the receipt offers (PROTOCOL.md section 12), or {@code null}: scrip paid with the x402
     * header offers one; the cookie, PayWord and a payment made with a reference do not.
     */
    default String reference() {
        return null;
    }

    /** The receipt header of a charge, or {@code null} for the plain one ({@link Receipts#paid}). */
    String receipt(PricedRequest priced, ChargeResult.Charged charged);

    /** Answers a charge that did not go through ({@code result} is not {@link ChargeResult.Charged}). */
    void refused(PricedRequest priced, ChargeResult result) throws IOException;

    /**
     * For a rule the broker confirms online (PROTOCOL.md section 7): whether a charge may be asked for now; answers
     * and returns false if not. Only schemes an online rule accepts are asked.
     */
    boolean admitsOnline(PricedRequest priced) throws IOException;

    /**
     * For a rule the broker confirms online: the broker's confirmation of a charge made durably ({@code ""} if it sent
     * none), or {@code null} when it was refused or not confirmed, in which case the charge was refunded and answered.
     */
    String confirmOnline(PricedRequest priced, ChargeResult.Charged charged, RefundHold hold) throws IOException;

    /** Who refunds a charge whose content failed: a charge the broker confirmed online is voided there too. */
    PaidResponse.Refunder refunder(String confirmation);
}
