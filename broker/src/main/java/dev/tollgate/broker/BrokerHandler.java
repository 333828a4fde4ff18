package dev.tollgate.broker;

import java.time.Clock;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The broker's one Jetty handler (core API, no servlets): the browser pages under {@code /pay}, which answer in
 * HTML, errors included; everything else the JSON API. The same handler runs behind a plain or a TLS connector.
 */
final class BrokerHandler extends Handler.Abstract {

    private final BrowserPages pages;
    private final ApiHandler api;

    BrokerHandler(BrowserPages pages, ApiHandler api) {
        this.pages = pages;
        this.api = api;
    }

    /**
     * The pages and the API on {@code services}; {@code demoMode} adds {@code POST /v1/accounts}; the pages call the
     * broker {@code name}.
     */
    static BrokerHandler on(BrokerServices services, boolean demoMode, Clock clock, String name) {
        BrowserPages pages = new BrowserPages(services.issuer(), services.settlement(), services.logins(),
                new BrowserSessions(clock), services.sellers()::seller, new Html.Broker(name, clock));
        BuyerApi buyers = new BuyerApi(services.issuer(), services.settlement(), services.certificates());
        SellerApi sellers = new SellerApi(services.issuer(), services.keys(), services.settlement(),
                services.charges(), services.cancels());
        return new BrokerHandler(pages, new ApiHandler(buyers, sellers, demoMode));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (BrowserPages.handles(Request.getPathInContext(request))) {
            pages.handle(request, response, callback);
        } else {
            api.handle(request, response, callback);
        }
        return true;
    }
}
