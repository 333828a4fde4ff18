package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.http.Offers;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.gateway.route.PricedRequest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Clock;

/**
 * {@link ChargeModel#PER_CLICK}: each request is charged the price before its content, and refunded if it fails; under
 * a rule with an access window or passes, what the buyer bought before opens the item ({@link Opening}).
 */
final class PerClick implements Charging, Checkout.Purchase {

    private final Checkout checkout;
    private final Clock clock;

    PerClick(Checkout checkout, Clock clock) {
        this.checkout = checkout;
        this.clock = clock;
    }

    @Override
    public void serve(PricedRequest priced, Payer payer, FilterChain chain) throws IOException, ServletException {
        PriceRule rule = priced.rule();
        boolean opens = rule.access().isPresent() || !rule.passes().isEmpty();
        checkout.serve(priced, payer, chain, opens && payer.holdsEntitlements() ? new Opening(clock.instant()) : this);
    }

    /** An item re-read within its access window, or under a pass, charges nothing. */
    @Override
    public boolean passesOnEntitlement(PriceRule rule) {
        return rule.access().isPresent() || !rule.passes().isEmpty();
    }

    @Override
    public ChargeResult charge(PricedRequest priced, Payer payer)
            throws PaymentException, LedgerUnavailableException {
        return click(priced, payer);
    }

    /** Charges the price for one click; made once per payment identifier where the offer declares them. */
    static ChargeResult click(PricedRequest priced, Payer payer) throws PaymentException, LedgerUnavailableException {
        String method = RequestPaths.upperCase(priced.request().getMethod());
        return payer.charge(priced.rule().price().micros(), priced.path(),
                Offers.keepsPaymentIdentifiers(priced.rule(), method) ? sameRequest(method, priced.request()) : null);
    }

    /**
     * What a request under a payment identifier must repeat, beside its path, to be the same payment: the method (a
     * HEAD paid under an id buys no GET) and the query (one path may answer many queries, each a click of its own).
     */
    private static String sameRequest(String method, HttpServletRequest request) {
        String query = request.getQueryString();
        return method + (query == null ? "" : " ?" + query);
    }

    @Override
    public String receipt(PricedRequest priced, Payer payer, ChargeResult.Charged charged) {
        return payer.receipt(priced, charged);
    }

    @Override
    public void passEntitled(PricedRequest priced, Payer payer, ChargeResult.Entitled entitled, FilterChain chain) {
        throw new IllegalStateException("a per-click charge buys no entitlement");
    }
}
