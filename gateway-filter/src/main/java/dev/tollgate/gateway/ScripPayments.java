package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.internal.PaymentException;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.settlement.OnlineCharger;
import dev.tollgate.gateway.settlement.OnlineVoids;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.protocol.Money;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scrip payment path (PROTOCOL.md sections 3 to 7): a request carrying verified scrip, in the header or the
 * browser flow's cookie, is checked against the rule (still valid, the price agreed to, a navigation the person made
 * for cookie scrip), charged under the rule's charge model (per click, per stream, metered), confirmed at the broker
 * for an online rule, and forwarded with a {@link PaidResponse}; anything else is answered here. The PayWord path is
 * {@link PayWordPayments}. Thread-safe.
 */
final class ScripPayments {

    private static final Logger LOG = LoggerFactory.getLogger(ScripPayments.class);

    private final Clock clock;
    private final Ledger ledger;
    private final RefundHolds holds;
    private final RefundLimit refundLimit;
    private final OnlineVoids onlineVoids;
    private final OnlineCharger onlineCharger;
    private final PaidForwarding forwarding;
    /** Tells the settler a charge was made (it sends a batch once enough are waiting). */
    private final Runnable chargeMade;

    ScripPayments(Clock clock, Ledger ledger, RefundHolds holds, RefundLimit refundLimit, OnlineVoids onlineVoids,
                  OnlineCharger onlineCharger, PaidForwarding forwarding, Runnable charged) {
        this.clock = Objects.requireNonNull(clock);
        this.ledger = Objects.requireNonNull(ledger);
        this.holds = Objects.requireNonNull(holds);
        this.refundLimit = Objects.requireNonNull(refundLimit);
        this.onlineVoids = Objects.requireNonNull(onlineVoids);
        this.onlineCharger = Objects.requireNonNull(onlineCharger);
        this.forwarding = Objects.requireNonNull(forwarding);
        this.chargeMade = Objects.requireNonNull(charged);
    }

    /**
     * Serves a priced request whose scrip was read ({@code paid}, {@code null} if it carries none): charges and
     * forwards it, or answers why not.
     */
    void serve(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Snapshot current,
               PriceRule rule, Credential.Verified paid, String path) throws IOException, ServletException {
        if (paid == null) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.PAYMENT_REQUIRED,
                    "pay " + rule.price() + " with scrip from " + current.config.broker().name());
            return;
        }
        PaymentException entitledOnly = null;
        try {
            checkStillAcceptable(paid, current, rule);
            if (paid.network() == null && current.browser != null) { // paid from the browser flow's cookie
                PaymentException refused = current.browser.checkCookieRequest(request, paid, rule.price().micros(),
                        current.config.sellerName());
                if (refused != null && rule.charge() != ChargeModel.PER_STREAM) {
                    throw refused;
                }
                entitledOnly = refused; // a stream's ranges and segments pass on an entitlement: they charge nothing
            }
        } catch (LedgerUnavailableException e) {
            LOG.error("Ledger unavailable; refusing paid content for {}", path, e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return;
        } catch (PaymentException e) {
            Answers.paymentRequired(request, response, current, rule, e.code(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            Answers.unreadablePayment(request, response, current, rule, path, e);
            return;
        }
        if (rule.charge() == ChargeModel.METERED) {
            Metering.serve(request, response, chain, current, rule, paid,
                    UnitCharger.scrip(ledger, paid.scrip(), rule.price().micros(), path), chargeMade,
                    request.getMethod());
            return;
        }
        // Held back from claims before it is charged (the settler must never read the charge without its hold).
        RefundHold hold = holds.scrip(paid.scrip().issuer(), paid.scrip().jti(), rule.price().micros());
        boolean endsLater = false;
        try {
            endsLater = chargeAndForward(request, response, chain, current, rule, paid, path, hold, entitledOnly);
        } finally {
            if (!endsLater) {
                hold.end();
            }
        }
    }

    /**
     * Charges the scrip and forwards the request. Returns whether the request went asynchronous with its charge still
     * refundable, in which case its listener ends the hold.
     *
     * @param entitledOnly for a per-stream request that may not be charged, why not: it passes only on an entitlement
     */
    private boolean chargeAndForward(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                                     Snapshot current, PriceRule rule, Credential.Verified paid, String path,
                                     RefundHold hold, PaymentException entitledOnly)
            throws IOException, ServletException {
        ChargeResult result;
        PerStream stream = rule.charge() == ChargeModel.PER_STREAM ? new PerStream(rule, path, clock) : null;
        if (refundLimit.exhausted(hold)) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.TOO_MANY_REFUNDS,
                    RefundLimit.refusal("scrip") + "; get new scrip from " + current.config.broker().name());
            return false;
        }
        if (rule.online() && !onlineVoids.admits(paid.scrip().jti())) {
            // Too many voids of failed online charges wait for the broker (OnlineVoids): charge nothing more.
            Answers.unavailable(response, ErrorCode.BROKER_UNAVAILABLE, "the broker has not yet confirmed the "
                    + "refunds of earlier online payments; nothing was charged, try again shortly");
            return false;
        }
        try {
            result = stream != null ? stream.charge(ledger, paid.scrip(), entitledOnly == null)
                    : ledger.charge(paid.scrip(), rule.price().micros(), path);
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Ledger unavailable; refusing paid content for {}", path, e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return false;
        }
        if (result instanceof ChargeResult.Entitled entitled) {
            hold.end(); // nothing charged: the request holds nothing while it runs
            stream.forwardEntitled(request, response, chain, current, paid, entitled);
            return false;
        }
        if (entitledOnly != null) {
            Answers.paymentRequired(request, response, current, rule, entitledOnly.code(), entitledOnly.getMessage());
            return false;
        }
        if (!(result instanceof ChargeResult.Charged)) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.INSUFFICIENT_BUDGET, "this costs "
                    + rule.price() + " but only " + Money.ofMicros(result.remainingMicros(), rule.price().currency())
                    + " is left on your scrip");
            return false;
        }
        ChargeResult.Charged charged = (ChargeResult.Charged) result;
        String confirmation = null;
        if (rule.online()) {
            confirmation = confirmOnline(request, response, current, rule, paid, charged, path, hold);
            if (confirmation == null) {
                return false;
            }
        }
        chargeMade.run();
        return forwardPaid(request, response, chain, current, paid, charged, confirmation,
                stream == null ? null : stream.receipt(current, paid, charged), hold);
    }

    /**
     * PROTOCOL.md section 7: asks the broker to confirm a charge the ledger has made durably. Returns the broker's
     * confirmation ({@code ""} if it sent none) when the content may be served. A refusal refunds the local charge
     * and answers 402. No usable answer in time (after retries) fails closed: the broker may have recorded the charge,
     * so its void is queued and the local charge refunded, and the buyer gets 503 {@code broker_unavailable}.
     */
    private String confirmOnline(HttpServletRequest request, HttpServletResponse response, Snapshot current,
                                 PriceRule rule, Credential.Verified paid, ChargeResult.Charged charged, String path,
                                 RefundHold hold) throws IOException {
        GatewayConfig.Online online = current.config.online();
        OnlineCharger.Outcome outcome;
        hold.sentToBroker(); // from now on the broker may count it: a settlement pass must know (Settler)
        try {
            outcome = onlineCharger.charge(online.chargeUri(), online.timeout(), charged.receiptId(),
                    paid.scrip().jti(), charged.amountMicros());
        } catch (RuntimeException e) {
            LOG.warn("Could not ask the broker to confirm charge {} for {}", charged.receiptId(), path, e);
            outcome = new OnlineCharger.Unavailable("unexpected error: " + e);
        }
        if (outcome instanceof OnlineCharger.Charged confirmed) {
            return confirmed.confirmation();
        }
        ErrorCode code;
        String message;
        if (outcome instanceof OnlineCharger.Refused refused) {
            switch (refused.status()) {
                case 409 -> {
                    code = ErrorCode.INSUFFICIENT_BUDGET;
                    message = "the broker says the scrip's budget cannot cover " + rule.price();
                }
                case 410 -> {
                    code = ErrorCode.EXPIRED_TOKEN;
                    message = "the broker says the scrip has expired or was returned; get new scrip from "
                            + current.config.broker().name();
                }
                default -> {
                    code = ErrorCode.INVALID_TOKEN;
                    message = "the broker refused the scrip"
                            + (refused.reason().isEmpty() ? "" : " (" + refused.reason() + ")");
                }
            }
            LOG.debug("The broker refused online charge {} for {}: {} {}", charged.receiptId(), path,
                    refused.status(), refused.reason());
        } else {
            boolean refunded = forwarding.refundOnline(onlineVoids, paid.scrip().jti(), hold, charged.receiptId(),
                    "the broker did not confirm it: " + ErrorCode.BROKER_UNAVAILABLE.code(), false)
                    == PaidForwarding.Refund.REFUNDED;
            LOG.warn("Online charge {} for {} not confirmed ({}); {}", charged.receiptId(), path,
                    ((OnlineCharger.Unavailable) outcome).why(), refunded ? "refunded and void queued"
                            : "the charge stands");
            Answers.unavailable(response, ErrorCode.BROKER_UNAVAILABLE, refunded
                    ? "the broker could not confirm the payment right now; nothing was charged, try again"
                    : "the broker could not confirm the payment right now, and the charge could not be undone");
            return null;
        }
        // The broker refused the scrip: the buyer's doing, as a made-up path is.
        forwarding.refund(hold, charged.receiptId(), "the broker did not confirm it: " + code.code(), true);
        Answers.paymentRequired(request, response, current, rule, code, message);
        return null;
    }

    /** Forwards a charged request; returns whether it went asynchronous (its listener then ends it). */
    private boolean forwardPaid(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                                Snapshot current, Credential.Verified paid, ChargeResult.Charged charged,
                                String confirmation, String receipt, RefundHold hold)
            throws IOException, ServletException {
        request.setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(paid.scrip().buyer(), paid.scrip().jti(),
                charged.amountMicros(), charged.remainingMicros(), current.currency, charged.receiptId()));
        String jti = paid.scrip().jti();
        // A charge the broker confirmed is refunded at the broker too: its void is queued first (OnlineVoids).
        PaidResponse.Refunder refunder = confirmation == null ? forwarding
                : (h, receiptId, why, buyersDoing) -> forwarding.refundOnline(onlineVoids, jti, h, receiptId, why,
                        buyersDoing);
        PaidResponse paidResponse = receipt != null
                ? PaidResponse.withReceipt(response, refunder, hold, current.network, paid.buyerJson(), charged,
                        receipt)
                : new PaidResponse(response, refunder, hold, current.network, paid.buyerJson(),
                        charged.receiptId(), charged.amountMicros(), charged.remainingMicros(), confirmation);
        return forwarding.forward(request, response, chain, paidResponse);
    }

    /** What a cached credential was checked against can change on reload or with time: check it per request. */
    private void checkStillAcceptable(Credential.Verified paid, Snapshot current, PriceRule rule)
            throws PaymentException {
        if (clock.millis() >= paid.expiresAtMillis()) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the scrip has expired; get new scrip from "
                    + current.config.broker().name());
        }
        if (paid.network() != null && !paid.network().equals(current.network)) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "network '" + paid.network()
                    + "' is not accepted here; pay on '" + current.network + "'");
        }
        if (paid.acceptedMicros() < rule.price().micros()) {
            throw new PaymentException(ErrorCode.PRICE_CHANGED, "the price is now " + rule.price() + "; you agreed to "
                    + Money.ofMicros(paid.acceptedMicros(), rule.price().currency()));
        }
    }
}
