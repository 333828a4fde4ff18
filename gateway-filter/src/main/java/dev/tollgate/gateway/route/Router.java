package dev.tollgate.gateway.route;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.payment.CredentialCache;
import dev.tollgate.gateway.payment.CredentialReader;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;

/**
 * The first stage of a request: the gateway's own endpoints (the browser flow's callback, confirmation and pass
 * purchase), the
 * requests that pass unpaid (OPTIONS, paths no rule prices, free rules), and the priced ones, which go on to have their
 * payment read. Thread-safe.
 */
public final class Router {

    private final BrowserFlow browser;
    private final CredentialReader reader;
    private final CredentialCache credentials;
    private final DynamicPrices prices;

    /**
     * @param reader and {@code credentials}: the callback reads the scrip the broker returns like a cookie's
     * @param clock what a price function is told the time is
     */
    public Router(BrowserFlow browser, CredentialReader reader, CredentialCache credentials, Clock clock) {
        this.browser = browser;
        this.reader = reader;
        this.credentials = credentials;
        this.prices = new DynamicPrices(clock);
    }

    /**
     * Answers or passes on a request that is not priced, and returns {@code null}; returns a priced request for the
     * next stage.
     */
    public PricedRequest route(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                               Snapshot current)
            throws IOException, ServletException {
        String method = RequestPaths.upperCase(request.getMethod());
        String path = RequestPaths.pathOf(request);
        if (path.equals(BrowserFlow.CALLBACK_PATH)) {
            browser.callback(request, response, method, reader, credentials, current.config);
            return null;
        }
        if (path.equals(BrowserFlow.CONFIRM_PATH)) {
            browser.confirm(request, response, method);
            return null;
        }
        if (path.equals(BrowserFlow.PASS_PATH)) {
            browser.buyPass(request, response, method, current.config, local -> current.rules.match(local, "GET"));
            return null;
        }
        if (method.equals("OPTIONS")) { // never charged (CORS preflights carry no payment), never the paid content
            if (current.rules.pricedForSomeMethod(path)) { // the app's startAsync() must keep writing through it too
                AsyncKeepsWrapper.forward(chain, request, new OptionsResponse(response));
            } else {
                chain.doFilter(request, response);
            }
            return null;
        }
        PriceRule rule = current.rules.match(path, method);
        if (rule != null && rule.priceFunction().isPresent()) {
            rule = prices.price(rule, request, response, path);
            if (rule == null) {
                return null;
            }
        }
        if (rule == null || rule.charge() == ChargeModel.FREE || rule.price().isZero()) { // a price function's 0: free
            chain.doFilter(request, response);
            return null;
        }
        return new PricedRequest(request, response, current, rule, path, chain);
    }
}
