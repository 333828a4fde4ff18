package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.PaidForwarding;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.settlement.RefundHold;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Charges a request once, before its content, and forwards it with a {@link PaidResponse} that refunds the charge if
 * the content fails: the shape {@link PerClick} and {@link PerStream} share, whatever the scheme. The order is the
 * money's: the hold first (the settler never reads a charge without it), the refund limit, the broker's admission for
 * an online rule, the charge, the broker's confirmation, then the content. Thread-safe.
 */
final class Checkout {

    /** The charge one request makes, as its model decides. */
    interface Purchase {
        /** Charges the payer: {@link ChargeResult.Charged}, {@link ChargeResult.Entitled}, or a refusal. */
        ChargeResult charge(PricedRequest priced, Payer payer) throws PaymentException, LedgerUnavailableException;

        /** The receipt header of the charge, or {@code null} for the payer's own. */
        String receipt(PricedRequest priced, Payer payer, ChargeResult.Charged charged);

        /** What a charge now may cost: held back from claims while the request runs. */
        default long priceMicros(PricedRequest priced, Payer payer) {
            return priced.rule().price().micros();
        }

        /** Forwards a request that passes, uncharged, on an entitlement bought before. */
        void passEntitled(PricedRequest priced, Payer payer, ChargeResult.Entitled entitled, FilterChain chain)
                throws IOException, ServletException;
    }

    private final PaidForwarding forwarding;
    private final RefundLimit refundLimit;
    /** Tells the settler a charge was made (it sends a batch once enough are waiting). */
    private final Consumer<String> chargeMade;

    Checkout(PaidForwarding forwarding, RefundLimit refundLimit, Consumer<String> chargeMade) {
        this.forwarding = forwarding;
        this.refundLimit = refundLimit;
        this.chargeMade = chargeMade;
    }

    /** Charges {@code purchase} on {@code payer} and forwards the request, or answers why not. */
    void serve(PricedRequest priced, Payer payer, FilterChain chain, Purchase purchase)
            throws IOException, ServletException {
        // Held back from claims before it is charged (the settler must never read the charge without its hold).
        RefundHold hold = payer.hold(purchase.priceMicros(priced, payer));
        boolean endsLater = false;
        try {
            endsLater = chargeAndForward(priced, payer, chain, purchase, hold);
        } finally {
            if (!endsLater) {
                hold.end();
            }
        }
    }

    /**
     * Returns whether the request went asynchronous with its charge still refundable, in which case its listener ends
     * the hold.
     */
    private boolean chargeAndForward(PricedRequest priced, Payer payer, FilterChain chain, Purchase purchase,
                                     RefundHold hold) throws IOException, ServletException {
        PriceRule rule = priced.rule();
        if (refundLimit.exhausted(hold)) {
            Answers.paymentRequired(priced, ErrorCode.TOO_MANY_REFUNDS, payer.tooManyRefunds(priced));
            return false;
        }
        if (rule.online() && !payer.admitsOnline(priced)) {
            return false;
        }
        ChargeResult result;
        Snapshot current = priced.current();
        try {
            long started = current.meters.start();
            result = purchase.charge(priced, payer);
            current.meters.ledgerCharged(started);
            current.ledgerWrites.succeeded();
        } catch (PaymentException e) {
            Answers.paymentRequired(priced, e.code(), e.getMessage());
            return false;
        } catch (LedgerUnavailableException | RuntimeException e) {
            // Fail closed: a ledger that cannot answer, or a bug, never lets the content through.
            Answers.ledgerUnavailable(priced, e);
            return false;
        }
        if (result instanceof ChargeResult.Entitled entitled) {
            hold.end(); // nothing charged: the request holds nothing while it runs
            purchase.passEntitled(priced, payer, entitled, chain);
            return false;
        }
        if (result instanceof ChargeResult.Replayed replayed) {
            hold.end(); // nothing charged: the charge it repeats stands (the ledger no longer refunds it)
            passReplayed(priced, payer, replayed, chain);
            return false;
        }
        PaymentException mayNotCharge = payer.mayNotCharge();
        if (mayNotCharge != null) {
            Answers.paymentRequired(priced, mayNotCharge.code(), mayNotCharge.getMessage());
            return false;
        }
        if (!(result instanceof ChargeResult.Charged charged)) {
            payer.refused(priced, result);
            return false;
        }
        String confirmation = null;
        if (rule.online()) {
            confirmation = payer.confirmOnline(priced, charged, hold);
            if (confirmation == null) {
                return false;
            }
        }
        chargeMade.accept(payer.issuer());
        current.meters.earned(rule, charged.amountMicros());
        return forward(priced, payer, chain, purchase, charged, confirmation, hold);
    }

    /**
     * Forwards a request sent again under the payment identifier of a charge it made, uncharged, with that charge's
     * receipt (PROTOCOL.md section 11).
     */
    private static void passReplayed(PricedRequest priced, Payer payer, ChargeResult.Replayed replayed,
                                     FilterChain chain) throws IOException, ServletException {
        Snapshot current = priced.current();
        priced.request().setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(payer.buyer(), payer.paymentId(),
                replayed.amountMicros(), replayed.remainingMicros(), current.currency, replayed.receiptId(),
                Payment.Basis.REPLAYED));
        PaidResponse passed = new PaidResponse(priced.response(), payer.network(), payer.buyerJson());
        passed.receipt(Receipts.replayed(payer.network(), payer.buyerJson(), replayed.receiptId(),
                replayed.amountMicros(), replayed.remainingMicros(), payer.reference()));
        AsyncKeepsWrapper.forward(chain, priced.request(), passed);
    }

    /** Forwards a charged request; returns whether it went asynchronous (its listener then ends it). */
    private boolean forward(PricedRequest priced, Payer payer, FilterChain chain, Purchase purchase,
                            ChargeResult.Charged charged, String confirmation, RefundHold hold)
            throws IOException, ServletException {
        Snapshot current = priced.current();
        priced.request().setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(payer.buyer(), payer.paymentId(),
                charged.amountMicros(), charged.remainingMicros(), current.currency, charged.receiptId(),
                Payment.Basis.PAID));
        PaidResponse.Refunder refunder = payer.refunder(confirmation);
        String receipt = purchase.receipt(priced, payer, charged);
        PaidResponse paidResponse = receipt != null
                ? PaidResponse.withReceipt(priced.response(), refunder, hold, payer.network(), payer.buyerJson(),
                        charged, receipt)
                : new PaidResponse(priced.response(), refunder, hold, payer.network(), payer.buyerJson(),
                        charged.receiptId(), charged.amountMicros(), charged.remainingMicros(), confirmation,
                        payer.reference());
        return forwarding.forward(priced.request(), priced.response(), chain, paidResponse);
    }
}
