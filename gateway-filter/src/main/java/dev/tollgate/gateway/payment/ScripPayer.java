package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.charge.Payer;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.charge.UnitCharger;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.PaidForwarding;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.protocol.Money;
import java.io.IOException;
import java.time.Instant;

/**
 * A verified scrip as the charge models see it: its budget in the ledger, its hold, the broker's online confirmation.
 * Made per request by {@link ScripScheme}; used by that request's thread.
 */
final class ScripPayer implements Payer {

    private final Credential.Verified paid;
    /** The broker that issued the scrip. */
    private final GatewayConfig.Broker broker;
    private final PaymentException mayNotCharge;
    private final Pass chosen;
    private final Ledger ledger;
    private final RefundHolds holds;
    private final OnlineConfirmation online;
    private final PaidForwarding forwarding;

    /** @param chosen the pass the payment buys, one the rule sells; {@code null} for the item */
    ScripPayer(Credential.Verified paid, GatewayConfig.Broker broker, PaymentException mayNotCharge, Pass chosen,
               Ledger ledger, RefundHolds holds, OnlineConfirmation online, PaidForwarding forwarding) {
        this.paid = paid;
        this.broker = broker;
        this.mayNotCharge = mayNotCharge;
        this.chosen = chosen;
        this.ledger = ledger;
        this.holds = holds;
        this.online = online;
        this.forwarding = forwarding;
    }

    @Override
    public String network() {
        return broker.network();
    }

    @Override
    public String issuer() {
        return paid.scrip().issuer();
    }

    @Override
    public String buyer() {
        return paid.scrip().buyer();
    }

    @Override
    public String paymentId() {
        return paid.scrip().jti();
    }

    @Override
    public String reference() {
        return paid.reference();
    }

    @Override
    public String buyerJson() {
        return paid.buyerJson();
    }

    @Override
    public RefundHold hold(long micros) {
        return holds.scrip(paid.scrip().issuer(), paid.scrip().jti(), micros);
    }

    @Override
    public String tooManyRefunds(PricedRequest priced) {
        return RefundLimit.refusal("scrip") + "; get new scrip from " + broker.name();
    }

    @Override
    public ChargeResult charge(long micros, String resource, String sameRequest) throws LedgerUnavailableException {
        String id = paid.paymentIdentifier();
        // The ledger keeps a hash of what names the payment: the buyer's identifier bound to the request it paid for.
        return sameRequest != null && id != null ? ledger.charge(paid.scrip(), micros, resource, id + ' ' + sameRequest)
                : ledger.charge(paid.scrip(), micros, resource);
    }

    @Override
    public ChargeResult chargeStream(long micros, String entitlement, Instant now, Instant until)
            throws LedgerUnavailableException {
        return ledger.chargeStream(paid.scrip(), micros, entitlement, now, until);
    }

    @Override
    public boolean holdsEntitlements() {
        return true;
    }

    @Override
    public Pass chosenPass() {
        return chosen;
    }

    @Override
    public UnitCharger meter(PricedRequest priced) {
        return UnitCharger.scrip(ledger, paid.scrip(), priced.rule().price().micros(), priced.path());
    }

    @Override
    public PaymentException mayNotCharge() {
        return mayNotCharge;
    }

    @Override
    public String receipt(PricedRequest priced, ChargeResult.Charged charged) {
        return null;
    }

    @Override
    public void refused(PricedRequest priced, ChargeResult result) throws IOException {
        if (result instanceof ChargeResult.PaymentIdReused) {
            Answers.paymentRequired(priced, ErrorCode.MALFORMED_PAYMENT, PaymentIdentifiers.REUSED);
            return;
        }
        PriceRule rule = priced.rule();
        Answers.paymentRequired(priced, ErrorCode.INSUFFICIENT_BUDGET, "this costs "
                + rule.price().toDisplayString() + " but only "
                + Money.ofMicros(result.remainingMicros(), rule.price().currency()).toDisplayString()
                + " is left on your scrip");
    }

    @Override
    public boolean admitsOnline(PricedRequest priced) throws IOException {
        return online.admits(priced, broker, paid.scrip().jti());
    }

    @Override
    public String confirmOnline(PricedRequest priced, ChargeResult.Charged charged, RefundHold hold)
            throws IOException {
        return online.confirm(priced, broker, paid.scrip().jti(), charged, hold);
    }

    @Override
    public PaidResponse.Refunder refunder(String confirmation) {
        return confirmation == null ? forwarding : online.refunder(broker, paid.scrip().jti());
    }
}
