package dev.tollgate.gateway.http;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.browser.FetchMetadata;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.route.StreamKeys;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the gateway's own answers: the 402 offer, the 503 when charges cannot be recorded, common headers. */
public final class Answers {

    static final String EXPOSED_HEADERS = PaymentHeaders.PAYMENT_REQUIRED + ", " + PaymentHeaders.PAYMENT_RESPONSE;
    /**
     * The request attribute under which a request paid from the browser flow's cookie carries its scrip's issuer: a
     * top-up is offered at that broker only.
     */
    public static final String COOKIE_ISSUER_ATTRIBUTE = "dev.tollgate.gateway.cookieIssuer";
    /**
     * The request attribute under which a refused payment carries its {@link ErrorCode}: the filter counts refusals
     * by it once the request is answered ({@code tollgate.payments}).
     */
    public static final String REFUSED_ATTRIBUTE = "dev.tollgate.gateway.refused";
    static final String VARY = PaymentHeaders.PAYMENT_SIGNATURE + ", " + PaymentHeaders.TOLLGATE_REFERENCE
            + ", " + PaymentHeaders.TOLLGATE_PAYWORD + ", Cookie";
    private static final Logger LOG = LoggerFactory.getLogger(Answers.class);
    private static final OutageLog OUTAGE = new OutageLog(System.nanoTime());
    private static final OutageLog PRICE_FAILURES = new OutageLog(System.nanoTime());

    private Answers() {
    }

    /**
     * The 402 answer. A browser gets a page with a link to pay at each broker the rule accepts ({@link BrowserFlow});
     * "Top up" at the cookie's scrip's broker only when that scrip ran out. Under {@code paywall: app} a browser's
     * GET goes on to the app instead, which renders the paywall ({@link AppPaywall}).
     */
    public static void paymentRequired(PricedRequest priced, ErrorCode code, String message) throws IOException {
        HttpServletRequest request = priced.request();
        HttpServletResponse response = priced.response();
        PriceRule rule = priced.rule();
        GatewayConfig config = priced.current().config;
        refusing(request, code);
        String stream = rule.charge() == ChargeModel.PER_STREAM
                ? StreamKeys.keyOf(rule, RequestPaths.pathOf(request)) : null;
        PaymentRequired offer = Offers.offer(config, rule, requestUrl(request),
                RequestPaths.upperCase(request.getMethod()), stream, code, message, null);
        // "Continue and pay" posts the allowance the cookie check left: a form only the built-in page carries.
        Object allowance = request.getAttribute(BrowserFlow.CONTINUE_ATTRIBUTE);
        Offers.Continue confirm = allowance == null ? null : new Offers.Continue(request.getContextPath()
                + BrowserFlow.CONFIRM_PATH, (String) allowance, BrowserFlow.returnPath(request));
        boolean topUp = code == ErrorCode.INSUFFICIENT_BUDGET
                && request.getHeader(PaymentHeaders.PAYMENT_SIGNATURE) == null;
        // A pass is sold beside the item where the item may be bought: not on a top-up or a "Continue and pay".
        Offers.PassButtons passes = topUp || confirm != null || rule.passes().isEmpty() ? null
                : new Offers.PassButtons(request.getContextPath() + BrowserFlow.PASS_PATH,
                        BrowserFlow.returnPath(request));
        if (confirm == null && AppPaywall.takes(priced, prefersHtml(request))) {
            List<HtmlPages.PayLink> links = payLinks(priced, topUp);
            AppPaywall.forward(priced, offer, AppPaywall.paywallOffer(rule, stream, code, message, links, topUp,
                    links.isEmpty() ? null : passes),
                    () -> HtmlPages.paywall(config, rule, stream, code, message, links, topUp, null, passes));
            return;
        }
        send402(request, response, offer, () -> HtmlPages.paywall(config, rule, stream, code, message,
                confirm != null ? List.of() : payLinks(priced, topUp), topUp, confirm, passes));
    }

    /**
     * The brokers' pay links for this purchase; none for what a page loads or the browser fetches ahead (its state
     * cookie would replace the one of the buyer's purchase) or a HEAD. A top-up is offered at the cookie's broker.
     */
    private static List<HtmlPages.PayLink> payLinks(PricedRequest priced, boolean topUp) {
        HttpServletRequest request = priced.request();
        Snapshot current = priced.current();
        List<HtmlPages.PayLink> payLinks = current.browser == null || request.getMethod().equals("HEAD")
                || !FetchMetadata.of(request).mayStartPurchase() ? List.of()
                : current.browser.start(request, priced.response(), current.config, priced.rule());
        Object issuer = topUp ? request.getAttribute(COOKIE_ISSUER_ATTRIBUTE) : null;
        List<HtmlPages.PayLink> own = payLinks.stream().filter(link -> link.issuer().equals(issuer)).toList();
        return own.isEmpty() ? payLinks : own;
    }

    /** Marks {@code request} refused with {@code code}, for the metrics: see {@link #REFUSED_ATTRIBUTE}. */
    public static void refusing(HttpServletRequest request, ErrorCode code) {
        request.setAttribute(REFUSED_ATTRIBUTE, code);
    }

    /**
     * Sends a 402 carrying {@code offer} in {@code PAYMENT-REQUIRED} and as its JSON body, or, for a browser, the page
     * {@code html} makes (it may set headers, such as the browser flow's state cookie).
     */
    public static void send402(HttpServletRequest request, HttpServletResponse response, PaymentRequired offer,
                               Supplier<byte[]> html) throws IOException {
        response.setStatus(402);
        response.setHeader(PaymentHeaders.PAYMENT_REQUIRED, Offers.header(offer));
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        addPaymentHeaders(response);
        byte[] body;
        if (prefersHtml(request)) {
            response.setContentType("text/html;charset=utf-8");
            response.setHeader("Content-Security-Policy", HtmlPages.CONTENT_SECURITY_POLICY);
            body = html.get();
        } else {
            response.setContentType("application/json");
            body = Offers.json(offer);
        }
        response.setContentLength(body.length);
        if (!request.getMethod().equals("HEAD")) {
            response.getOutputStream().write(body);
        }
    }

    /**
     * 503 when the ledger could not charge {@code path} (fail closed): {@code ledger_unavailable} (logged as an error,
     * {@code Retry-After: 5}), or {@code budget_busy} when other nodes of a cluster hold the scrip's budget now
     * ({@code Retry-After: 1}; docs/CLUSTER.md). {@code e} may be a bug's {@link RuntimeException}: also a 503.
     */
    public static void ledgerUnavailable(PricedRequest priced, Exception e) throws IOException {
        String path = priced.path();
        if (e instanceof LedgerUnavailableException unavailable && unavailable.budgetBusy()) {
            refusing(priced.request(), ErrorCode.BUDGET_BUSY);
            LOG.debug("Budget held by other nodes; answering budget_busy for {}: {}", path, e.getMessage());
            retryLater(priced.response(), 503, 1, ErrorCode.BUDGET_BUSY, "other servers of this site hold this budget right "
                    + "now; try again in a second");
            return;
        }
        priced.current().ledgerWrites.failed(); // the health check's "ledger": DOWN until a charge goes through
        long refused = OUTAGE.refused(System.nanoTime());
        if (refused > 0) {
            LOG.error("Ledger unavailable; refusing paid content for {} ({} refused since the last such message, "
                    + "which is logged at most every 10 s)", path, refused, e);
        } else {
            LOG.debug("Ledger unavailable; refusing paid content for {}: {}", path, e.getMessage());
        }
        unavailable(priced, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
    }

    /**
     * 503 {@code price_unavailable} when a rule's price function failed ({@code why}): no content, nothing charged.
     * Logged as an error at most every 10 s, with how many were refused since: the request rate is the buyer's.
     */
    public static void priceUnavailable(HttpServletRequest request, HttpServletResponse response, String path,
            String why, Throwable thrown) throws IOException {
        long refused = PRICE_FAILURES.refused(System.nanoTime());
        if (refused > 0) {
            LOG.error("The price function failed for {}: {}; refusing its requests ({} refused since the last such "
                    + "message, which is logged at most every 10 s)", path, why, refused, thrown);
        } else {
            LOG.debug("The price function failed for {}: {}", path, why);
        }
        refusing(request, ErrorCode.PRICE_UNAVAILABLE);
        retryLater(response, 503, 5, ErrorCode.PRICE_UNAVAILABLE, "the seller cannot price this right now");
    }

    public static void unavailable(PricedRequest priced, ErrorCode code, String message) throws IOException {
        refusing(priced.request(), code);
        retryLater(priced.response(), 503, 5, code, message);
    }

    /**
     * 402 {@code malformed_payment} for a payment that threw where no check foresaw it (a bug, or an input nobody
     * thought of): refused, never a 500 and never a pass. Logged, without the payment itself.
     */
    public static void unreadablePayment(PricedRequest priced, RuntimeException e) throws IOException {
        LOG.warn("Could not read the payment for {}; refusing it", priced.path(), e);
        paymentRequired(priced, ErrorCode.MALFORMED_PAYMENT, "the payment could not be read");
    }

    /** 429: the client's address has no failed verification left; nothing was checked or charged. */
    public static void tooManyFailures(PricedRequest priced, long retryAfterSeconds, ErrorCode code,
                                       String message) throws IOException {
        refusing(priced.request(), code);
        retryLater(priced.response(), 429, retryAfterSeconds, code, message);
    }

    private static void retryLater(HttpServletResponse response, int status, long seconds, ErrorCode code,
                                   String message) throws IOException {
        byte[] body = Offers.error(code, message);
        response.setStatus(status);
        response.setHeader("Retry-After", Long.toString(seconds));
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    static void addPaymentHeaders(HttpServletResponse response) {
        response.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
        response.setHeader("Vary", VARY);
    }

    static boolean prefersHtml(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return accept != null && accept.contains("text/html");
    }

    public static String requestUrl(HttpServletRequest request) {
        StringBuffer url = request.getRequestURL();
        String query = request.getQueryString();
        return query == null ? url.toString() : url.append('?').append(query).toString();
    }
}
