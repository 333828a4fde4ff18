package dev.tollgate.gateway.http;

import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PaywallOffer;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code paywall: app}: an unpaid browser GET goes on to the app, which renders the paywall with the item's opening,
 * instead of getting the filter's page. The app sees the offer in {@link PaywallOffer#REQUEST_ATTRIBUTE} and a
 * response locked at 402 ({@link UnpaidResponse}); what it writes is sent only if it read the offer, else the
 * filter's page is (the guarantees are listed on {@link PaywallOffer}).
 */
final class AppPaywall {

    private static final Logger LOG = LoggerFactory.getLogger(AppPaywall.class);

    private AppPaywall() {
    }

    /** Whether this 402 goes to the app: its rule says {@code paywall: app} and a browser asked with GET or HEAD. */
    static boolean takes(PricedRequest priced, boolean prefersHtml) {
        String method = priced.request().getMethod();
        return priced.rule().page().appRendered() && prefersHtml && (method.equals("GET") || method.equals("HEAD"))
                && priced.chain() != null && !priced.response().isCommitted();
    }

    /** The offer as the app sees it. */
    static PaywallOffer paywallOffer(PriceRule rule, String stream, ErrorCode code, String message,
                                     List<HtmlPages.PayLink> links, boolean topUp, Offers.PassButtons passes) {
        HtmlPages.ReaderOffer item = HtmlPages.ReaderOffer.forItem(rule, stream, links);
        String price = rule.price().toDisplayString();
        List<PaywallOffer.PayButton> buttons = links.stream().map(link -> new PaywallOffer.PayButton(topUp
                ? links.size() == 1 ? "Top up" : "Top up at " + link.brokerName()
                : "Pay " + price + " with " + link.brokerName(), link.brokerName(), link.url())).toList();
        List<PaywallOffer.Choice> choices = new ArrayList<>();
        choices.add(new PaywallOffer.Choice(item.price(), item.whatItBuys(), item.terms(), buttons));
        if (passes != null) {
            for (Pass pass : rule.passes()) {
                choices.add(passChoice(pass, passes, links));
            }
        }
        boolean titled = !rule.page().title().isEmpty();
        return new PaywallOffer(titled ? rule.page().title() : rule.description(), titled ? rule.description() : "",
                rule.page().backLink(), code.code(), code == ErrorCode.PAYMENT_REQUIRED || message == null
                ? Optional.empty() : Optional.of(message), choices);
    }

    /**
     * A pass the rule sells, as a choice whose buttons are links to the gateway's pass purchase (one per broker of
     * the item's links): the app shows them as it shows the item's, and the gateway sends the reader on to the broker.
     */
    private static PaywallOffer.Choice passChoice(Pass pass, Offers.PassButtons passes, List<HtmlPages.PayLink> links) {
        String price = pass.price().toDisplayString();
        String duration = ReaderWords.duration(pass.duration().toSeconds());
        List<PaywallOffer.PayButton> buttons = new ArrayList<>();
        for (HtmlPages.PayLink link : links) {
            String url = passes.action() + "?path=" + encode(passes.path()) + "&pass=" + encode(pass.id())
                    + "&broker=" + encode(link.brokerId());
            buttons.add(new PaywallOffer.PayButton("Buy " + pass.title() + ": " + price + " with "
                    + link.brokerName(), link.brokerName(), url));
        }
        return new PaywallOffer.Choice(pass.price(), price + " for " + pass.title(), "Read every page it covers as "
                + "often as you like for " + duration + ".", buttons);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Sends the 402's headers, passes the request on to the app with {@code paywall} and a response locked at 402,
     * then sends what the app wrote if it read the offer, else {@code builtIn}'s page. Never lets what the app throws
     * turn the answer into a 500 or a pass.
     */
    static void forward(PricedRequest priced, PaymentRequired offer, PaywallOffer paywall, Supplier<byte[]> builtIn)
            throws IOException {
        HttpServletRequest request = priced.request();
        HttpServletResponse response = priced.response();
        response.setStatus(402);
        response.setHeader(PaymentHeaders.PAYMENT_REQUIRED, Offers.header(offer));
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        Answers.addPaymentHeaders(response);
        OfferReads reads = new OfferReads(request, paywall);
        UnpaidResponse unpaid = new UnpaidResponse(response);
        boolean rendered;
        try {
            priced.chain().doFilter(reads, unpaid);
            rendered = reads.read && !request.isAsyncStarted() && !unpaid.overflowed();
        } catch (ServletException | IOException | RuntimeException e) {
            LOG.warn("The app failed rendering the paywall of {}; sending the built-in one", priced.path(), e);
            rendered = false;
        }
        if (!rendered && !reads.read) {
            LOG.debug("The app did not read the paywall offer of {}; its output is discarded", priced.path());
        }
        byte[] body = rendered ? unpaid.body() : builtIn.get();
        if (rendered) {
            unpaid.sendHeaders();
        } else {
            response.setContentType("text/html;charset=utf-8");
            response.setHeader("Content-Security-Policy", HtmlPages.CONTENT_SECURITY_POLICY);
        }
        response.setContentLength(body.length);
        if (!request.getMethod().equals("HEAD")) {
            response.getOutputStream().write(body);
        }
    }

    /** The request as the app sees it: the offer in its attribute, and a note of whether the app read it. */
    private static final class OfferReads extends HttpServletRequestWrapper {
        private final PaywallOffer offer;
        private volatile boolean read;

        OfferReads(HttpServletRequest request, PaywallOffer offer) {
            super(request);
            this.offer = offer;
        }

        @Override
        public boolean isAsyncSupported() {
            return false;
        }

        @Override
        public Object getAttribute(String name) {
            if (PaywallOffer.REQUEST_ATTRIBUTE.equals(name)) {
                read = true;
                return offer;
            }
            return super.getAttribute(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            if (!PaywallOffer.REQUEST_ATTRIBUTE.equals(name)) { // the offer is the filter's
                super.setAttribute(name, value);
            }
        }

        @Override
        public void removeAttribute(String name) {
            if (!PaywallOffer.REQUEST_ATTRIBUTE.equals(name)) {
                super.removeAttribute(name);
            }
        }

        // Async processing would answer after forward() returned, and startAsync() would hand the app the container's
        // own response, not the one locked at 402: refused, so the built-in paywall is sent.
        @Override
        public AsyncContext startAsync() {
            throw new IllegalStateException("a paywall: app page is rendered synchronously");
        }

        @Override
        public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
            throw new IllegalStateException("a paywall: app page is rendered synchronously");
        }
    }
}
