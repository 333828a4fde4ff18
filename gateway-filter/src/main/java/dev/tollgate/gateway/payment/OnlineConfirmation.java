package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.PaidForwarding;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.settlement.OnlineCharger;
import dev.tollgate.gateway.settlement.OnlineVoids;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.gateway.settlement.Settlements;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PROTOCOL.md section 7: the broker confirms each charge of an online rule before its content is served: the broker
 * that issued the scrip, at its {@code charge-url}, with its outbox of voids. Scrip only (PayWord has no such step).
 * Thread-safe.
 */
public final class OnlineConfirmation {

    private static final Logger LOG = LoggerFactory.getLogger(OnlineConfirmation.class);

    /** Each broker's online charger and outbox of voids. */
    private final Settlements settlements;
    private final PaidForwarding forwarding;

    public OnlineConfirmation(Settlements settlements, PaidForwarding forwarding) {
        this.settlements = settlements;
        this.forwarding = forwarding;
    }

    /** Whether a charge on the scrip may be asked for now; answers 503 if not. */
    boolean admits(PricedRequest priced, GatewayConfig.Broker broker, String jti) throws IOException {
        if (settlements.onlineVoids(broker.issuer()).admits(jti)) {
            return true;
        }
        // Too many voids of failed online charges wait for the broker (OnlineVoids): charge nothing more.
        Answers.unavailable(priced, ErrorCode.BROKER_UNAVAILABLE, "the broker has not yet confirmed the "
                + "refunds of earlier online payments; nothing was charged, try again shortly");
        return false;
    }

    /**
     * Asks the broker to confirm a charge the ledger has made durably. Returns the broker's confirmation ({@code ""}
     * if it sent none) when the content may be served. A refusal refunds the local charge and answers 402. No usable
     * answer in time (after retries) fails closed: the broker may have recorded the charge, so its void is queued and
     * the local charge refunded, and the buyer gets 503 {@code broker_unavailable}.
     */
    String confirm(PricedRequest priced, GatewayConfig.Broker broker, String jti, ChargeResult.Charged charged,
                   RefundHold hold) throws IOException {
        GatewayConfig.Online online = priced.current().config.online();
        PriceRule rule = priced.rule();
        String path = priced.path();
        OnlineCharger.Outcome outcome;
        hold.sentToBroker(); // from now on the broker may count it: a settlement pass must know (Settler)
        try {
            outcome = settlements.onlineCharger(broker.issuer()).charge(broker.chargeUri(), online.timeout(),
                    charged.receiptId(), jti, charged.amountMicros());
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
                    message = "the broker says the scrip's budget cannot cover " + rule.price().toDisplayString();
                }
                case 410 -> {
                    code = ErrorCode.EXPIRED_TOKEN;
                    message = "the broker says the scrip has expired or was returned; get new scrip from "
                            + broker.name();
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
            boolean refunded = forwarding.refundOnline(settlements.onlineVoids(broker.issuer()), jti, hold,
                    charged.receiptId(), "the broker did not confirm it: " + ErrorCode.BROKER_UNAVAILABLE.code(), false)
                    == PaidForwarding.Refund.REFUNDED;
            LOG.warn("Online charge {} for {} not confirmed ({}); {}", charged.receiptId(), path,
                    ((OnlineCharger.Unavailable) outcome).why(), refunded ? "refunded and void queued"
                            : "the charge stands");
            Answers.unavailable(priced, ErrorCode.BROKER_UNAVAILABLE, refunded
                    ? "the broker could not confirm the payment right now; nothing was charged, try again"
                    : "the broker could not confirm the payment right now, and the charge could not be undone");
            return null;
        }
        // The broker refused the scrip: the buyer's doing, as a made-up path is.
        forwarding.refund(hold, charged.receiptId(), "the broker did not confirm it: " + code.code(), true);
        Answers.paymentRequired(priced, code, message);
        return null;
    }

    /** Refunds a charge the broker confirmed at the broker too: its void is queued first (OnlineVoids). */
    PaidResponse.Refunder refunder(GatewayConfig.Broker broker, String jti) {
        OnlineVoids voids = settlements.onlineVoids(broker.issuer());
        return (hold, receiptId, why, buyersDoing) -> forwarding.refundOnline(voids, jti, hold, receiptId, why,
                buyersDoing);
    }
}
