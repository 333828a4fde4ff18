package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.ChargeModel;
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

/** {@link ChargeModel#PER_CLICK}: each request is charged the price before its content, and refunded if it fails. */
final class PerClick implements Charging, Checkout.Purchase {

    private final Checkout checkout;

    PerClick(Checkout checkout) {
        this.checkout = checkout;
    }

    @Override
    public void serve(PricedRequest priced, Payer payer, FilterChain chain) throws IOException, ServletException {
        checkout.serve(priced, payer, chain, this);
    }

    @Override
    public ChargeResult charge(PricedRequest priced, Payer payer)
            throws PaymentException, LedgerUnavailableException {
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
