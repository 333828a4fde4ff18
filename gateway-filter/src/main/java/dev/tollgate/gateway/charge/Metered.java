package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.config.ByteSizes;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.protocol.Money;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChargeModel#METERED} (PROTOCOL.md section 9): once the payment checked out, at least one unit must be
 * affordable; then the app writes into a {@link MeteredResponse}, which charges unit by unit, each before its bytes
 * are sent, from what the {@link Payer} draws on (a scrip's budget, a PayWord chain's credit). Nothing is held: each
 * unit is final when charged.
 */
public final class Metered implements Charging {

    private static final Logger LOG = LoggerFactory.getLogger(Metered.class);

    /** Told the broker's issuer after each unit charged (its settler claims it). */
    private final Consumer<String> onCharge;

    Metered(Consumer<String> onCharge) {
        this.onCharge = onCharge;
    }

    @Override
    public void serve(PricedRequest priced, Payer payer, FilterChain chain) throws IOException, ServletException {
        UnitCharger charger;
        try {
            charger = payer.meter(priced);
        } catch (PaymentException e) {
            Answers.paymentRequired(priced, e.code(), e.getMessage());
            return;
        } catch (LedgerUnavailableException | RuntimeException e) {
            Answers.ledgerUnavailable(priced, e);
            return;
        }
        if (charger != null) {
            serve(priced, payer, charger, chain);
        }
    }

    private void serve(PricedRequest priced, Payer paid, UnitCharger charger, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = priced.request();
        HttpServletResponse response = priced.response();
        Snapshot current = priced.current();
        PriceRule rule = priced.rule();
        String issuer = paid.issuer();
        // Only the exact method: a container may send a body for "head", which would then pass unmetered.
        boolean head = request.getMethod().equals("HEAD");
        long unitMicros = rule.price().micros();
        long remaining;
        try {
            remaining = charger.remainingMicros();
        } catch (LedgerUnavailableException | RuntimeException e) {
            Answers.ledgerUnavailable(priced, e);
            return;
        }
        long affordable = remaining / unitMicros;
        if (affordable < 1 && !head) {
            Answers.paymentRequired(priced, ErrorCode.INSUFFICIENT_BUDGET,
                    "one unit (" + ByteSizes.format(rule.unitBytes()) + ") costs " + rule.price().toDisplayString()
                            + " but only "
                            + Money.ofMicros(remaining, rule.price().currency()).toDisplayString()
                            + " is left to pay with");
            return;
        }
        request.setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(paid.buyer(), paid.paymentId(), 0, remaining,
                current.currency, "", Payment.Basis.METERED));
        PaidResponse paidResponse = new PaidResponse(response, paid.network(), paid.buyerJson());
        MeteredResponse metered = new MeteredResponse(paidResponse, charger, new MeteredResponse.Receipt(
                paid.network(), paid.buyerJson(), unitMicros, remaining, () -> {
                    onCharge.accept(issuer);
                    current.meters.earned(rule, unitMicros);
                    current.ledgerWrites.succeeded();
                }),
                rule.unitBytes(), affordable, head);
        try {
            chain.doFilter(new AsyncKeepsWrapper(SingleRange.of(request), metered), metered);
            if (!request.isAsyncStarted()) {
                // An async app writes later: its units are charged as it writes, and its body starts then.
                metered.finish();
            }
        } catch (IOException | ServletException | RuntimeException e) {
            if (!MeteredResponse.isLimitReached(e)) {
                if (metered.unitsCharged() > 0) {
                    LOG.info("Metered response for {} ended after {} paid units: {}", priced.path(),
                            metered.unitsCharged(), e.toString());
                }
                throw e;
            }
        }
    }

    /**
     * Hides a {@code Range} header naming several ranges: a multipart answer cannot be cut at the paid bytes with a
     * correct length, while a single range (or the whole content) can. The client then gets the content from the
     * first byte, cut where its budget ends.
     */
    static final class SingleRange extends HttpServletRequestWrapper {

        private SingleRange(HttpServletRequest request) {
            super(request);
        }

        static HttpServletRequest of(HttpServletRequest request) {
            String range = request.getHeader("Range");
            return range != null && range.indexOf(',') >= 0 ? new SingleRange(request) : request;
        }

        @Override
        public String getHeader(String name) {
            return isRange(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return isRange(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            java.util.List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(SingleRange::isRange);
            return Collections.enumeration(names);
        }

        private static boolean isRange(String name) {
            return name.equalsIgnoreCase("Range") || name.equalsIgnoreCase("If-Range");
        }
    }
}
