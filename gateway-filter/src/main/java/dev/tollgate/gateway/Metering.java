package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.protocol.Money;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a request of a metered rule (PROTOCOL.md section 9) once its payment is verified: checks that at least one
 * unit is affordable, then lets the app write into a {@link MeteredResponse}, which charges unit by unit.
 */
final class Metering {

    private static final Logger LOG = LoggerFactory.getLogger(Metering.class);

    private Metering() {
    }

    /** Serves a metered request paid with scrip. */
    static void serve(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Snapshot current,
                      PriceRule rule, Credential.Verified paid, UnitCharger charger, Runnable onCharge, String method)
            throws IOException, ServletException {
        serve(request, response, chain, current, rule, new Payer(paid.scrip().buyer(), paid.scrip().jti(),
                paid.buyerJson()), charger, onCharge, method);
    }

    /**
     * Who pays a metered request, whatever the scheme: what the app's {@link Payment} attribute and the receipt name.
     *
     * @param buyer the buyer's pseudonym at the broker
     * @param paymentId the scrip's {@code jti}, or a PayWord commitment's id
     * @param buyerJson the buyer as a JSON string literal, for the receipt
     */
    record Payer(String buyer, String paymentId, String buyerJson) {
    }

    /**
     * Serves a metered request whose payment was verified, charging each unit with {@code charger} (scrip, or a
     * PayWord chain's credit).
     *
     * @param onCharge run after each unit charged (the settler counts charges)
     */
    static void serve(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Snapshot current,
                      PriceRule rule, Payer paid, UnitCharger charger, Runnable onCharge, String method)
            throws IOException, ServletException {
        // Only the exact method: a container may send a body for "head", which would then pass unmetered.
        boolean head = method.equals("HEAD");
        long unitMicros = rule.price().micros();
        long remaining;
        try {
            remaining = charger.remainingMicros();
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Ledger unavailable; refusing metered content for {}", TollgateFilter.pathOf(request), e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return;
        }
        long affordable = remaining / unitMicros;
        if (affordable < 1 && !head) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.INSUFFICIENT_BUDGET,
                    "one unit (" + ByteSizes.format(rule.unitBytes()) + ") costs " + rule.price() + " but only "
                            + Money.ofMicros(remaining, rule.price().currency()) + " is left to pay with");
            return;
        }
        request.setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(paid.buyer(), paid.paymentId(), 0, remaining,
                current.currency, ""));
        PaidResponse paidResponse = new PaidResponse(response, current.network, paid.buyerJson());
        MeteredResponse metered = new MeteredResponse(paidResponse, charger, new MeteredResponse.Receipt(
                current.network, paid.buyerJson(), unitMicros, remaining, onCharge), rule.unitBytes(), affordable,
                head);
        try {
            chain.doFilter(SingleRange.of(request), metered);
            if (!request.isAsyncStarted()) {
                // An async app writes later: its units are charged as it writes, and its body starts then.
                metered.finish();
            }
        } catch (IOException | ServletException | RuntimeException e) {
            if (!MeteredResponse.isLimitReached(e)) {
                if (metered.unitsCharged() > 0) {
                    LOG.info("Metered response for {} ended after {} paid units: {}",
                            TollgateFilter.pathOf(request), metered.unitsCharged(), e.toString());
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
