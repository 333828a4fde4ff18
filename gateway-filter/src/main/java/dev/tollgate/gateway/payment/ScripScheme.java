package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.charge.ChargeModels;
import dev.tollgate.gateway.charge.Charging;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.PaidForwarding;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.Scrip;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.time.Clock;

/**
 * The scrip scheme (PROTOCOL.md sections 3 to 7): broker-signed scrip in the x402 header's {@code payload.token}, or
 * in the browser flow's cookie. Paying checks what a cached credential cannot know (still valid, the price agreed to,
 * a navigation the person made for cookie scrip) and hands a {@link ScripPayer} to the rule's charge model.
 * Thread-safe.
 */
public final class ScripScheme implements PaymentScheme {

    private final ScripTokens tokens;
    private final Clock clock;
    private final Ledger ledger;
    private final RefundHolds holds;
    private final OnlineConfirmation online;
    private final PaidForwarding forwarding;
    private final ChargeModels models;

    public ScripScheme(ScripTokens tokens, Clock clock, Ledger ledger, RefundHolds holds, OnlineConfirmation online,
                       PaidForwarding forwarding, ChargeModels models) {
        this.tokens = tokens;
        this.clock = clock;
        this.ledger = ledger;
        this.holds = holds;
        this.online = online;
        this.forwarding = forwarding;
        this.models = models;
    }

    /** A scheme that only reads (benchmarks, tests of the reading stage): serving is refused. */
    static ScripScheme readingOnly(ScripTokens tokens) {
        return new ScripScheme(tokens, null, null, null, null, null, null);
    }

    @Override
    public String name() {
        return Scrip.SCHEME;
    }

    @Override
    public Credential read(PaymentPayload payload, long acceptedMicros, String network, PayingClient client)
            throws PaymentException, FailedVerifications.TooManyFailures {
        String token = payload.payloadString("token");
        if (token == null || token.isEmpty()) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "payload.token is missing");
        }
        return tokens.verify(token, acceptedMicros, network, client);
    }

    @Override
    public void serve(PricedRequest priced, Credential credential, FilterChain chain)
            throws IOException, ServletException {
        if (models == null) {
            throw new IllegalStateException("this scrip scheme only reads");
        }
        Credential.Verified paid = (Credential.Verified) credential;
        Snapshot current = priced.current();
        PriceRule rule = priced.rule();
        Charging model = models.of(rule);
        PaymentException mayNotCharge = null;
        GatewayConfig.Broker broker;
        Pass chosen;
        try {
            chosen = chosenPass(paid.pass(), rule);
            broker = checkStillAcceptable(paid, current, rule, chosen == null ? rule.price() : chosen.price());
            if (paid.network() == null && current.browser != null) { // paid from the browser flow's cookie
                PaymentException refused = current.browser.checkCookieRequest(priced.request(), paid,
                        rule.price().micros(), current.config.sellerName());
                if (refused != null && !model.passesOnEntitlement(rule)) {
                    throw refused;
                }
                mayNotCharge = refused;
                if (priced.request().getAttribute(BrowserFlow.PASS_ATTRIBUTE) instanceof BrowserFlow.ChosenPass back) {
                    chosen = chosenPass(back.id(), rule); // chosen on the paywall, consented to at the broker
                    if (chosen.price().micros() > back.capMicros()) {
                        throw new PaymentException(ErrorCode.PRICE_CHANGED, "the pass's price went up while you "
                                + "were at the broker");
                    }
                }
            }
        } catch (LedgerUnavailableException e) {
            Answers.ledgerUnavailable(priced, e);
            return;
        } catch (PaymentException e) {
            Answers.paymentRequired(priced, e.code(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            Answers.unreadablePayment(priced, e);
            return;
        }
        model.serve(priced, new ScripPayer(paid, broker, mayNotCharge, chosen, ledger, holds, online, forwarding),
                chain);
    }

    /**
     * What a cached credential was checked against can change on reload or with time: check it per request. Returns
     * the broker the scrip pays at.
     */
    private GatewayConfig.Broker checkStillAcceptable(Credential.Verified paid, Snapshot current, PriceRule rule,
                                                      Money price) throws PaymentException {
        GatewayConfig.Broker broker = PayingBroker.of(paid.scrip().issuer(), paid.network(), current);
        if (clock.millis() >= paid.expiresAtMillis()) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the scrip has expired; get new scrip from "
                    + broker.name());
        }
        PayingBroker.checkAccepted(rule, broker, current);
        if (paid.acceptedMicros() < price.micros()) {
            throw new PaymentException(ErrorCode.PRICE_CHANGED, "the price is now " + price.toDisplayString()
                    + "; you agreed to " + Money.ofMicros(paid.acceptedMicros(), price.currency()).toDisplayString());
        }
        return broker;
    }

    /**
     * The pass the payment buys ({@code accepted.extra.pass}): one the rule sells, else refused, so no pass is bought
     * on a rule it does not cover, nor at another rule's price. {@code null} to pay for the item.
     */
    private static Pass chosenPass(String id, PriceRule rule) throws PaymentException {
        if (id == null) {
            return null;
        }
        Pass pass = rule.pass(id);
        if (pass == null) {
            throw new PaymentException(ErrorCode.UNKNOWN_PASS, "pass '" + id + "' is not sold here"
                    + (rule.passes().isEmpty() ? "; pay for the item" : "; this item sells " + String.join(", ",
                    rule.passes().stream().map(Pass::id).toList())));
        }
        return pass;
    }
}
