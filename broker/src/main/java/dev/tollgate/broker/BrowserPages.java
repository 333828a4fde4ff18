package dev.tollgate.broker;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's browser pages (docs/PROTOCOL.md section 10), routed: {@code GET /pay} validates a seller's payment
 * request and shows the {@link LoginPage} or, with a session, the {@link ConsentPage}; their forms post back here;
 * {@code /pay/style.css} is the one stylesheet. Failures are HTML pages, errors included.
 *
 * <p>Security: every request's parameters are validated ({@link PayRequest}) before anything is shown and again on
 * every POST (they travel in hidden fields and are never trusted); a bad request gets an HTML error page and never a
 * redirect. Every answer has a strict CSP, {@code no-store}, {@code nosniff} and {@code no-referrer}
 * ({@link PageHttp}). Thread-safe.
 */
final class BrowserPages {

    private static final Logger LOG = LoggerFactory.getLogger(BrowserPages.class);

    private final BrowserSessions sessions;
    private final PayRequest.Sellers sellers;
    private final LoginPage login;
    private final ConsentPage consent;

    BrowserPages(Issuer issuer, Settlement settlement, BuyerLogins logins, BrowserSessions sessions,
                 PayRequest.Sellers sellers, Html.Broker broker) {
        this.sessions = sessions;
        this.sellers = sellers;
        this.login = new LoginPage(logins, sessions, issuer.currency(), broker);
        this.consent = new ConsentPage(issuer, settlement, sessions, login, broker);
    }

    /** Whether {@code path} is one of these pages. */
    static boolean handles(String path) {
        return path.equals(Html.PAY_PATH) || path.startsWith(Html.PAY_PATH + "/");
    }

    void handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            if (path.equals(Html.STYLESHEET_PATH) && method.equals("GET")) {
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=3600");
                PageHttp.send(response, callback, 200, "text/css; charset=utf-8", Html.STYLESHEET, null, null);
            } else if (path.equals(Html.PAY_PATH) && method.equals("GET")) {
                PayRequest pay = PayRequest.parse(PageHttp.query(request), sellers);
                BrowserSessions.Session session = session(request);
                if (session == null) {
                    login.show(request, response, callback, pay, 200, null);
                } else {
                    consent.show(response, callback, pay, session, 200, null);
                }
            } else if (path.equals(Html.LOGIN_PATH) && method.equals("POST")) {
                Map<String, String> form = PageHttp.form(request);
                login.submit(request, response, callback, PayRequest.parse(form, sellers), form);
            } else if (path.equals(Html.CONSENT_PATH) && method.equals("POST")) {
                Map<String, String> form = PageHttp.form(request);
                PayRequest pay = PayRequest.parse(form, sellers);
                consent.submit(request, response, callback, pay, form, session(request));
            } else if (path.equals(Html.PAY_PATH) || path.equals(Html.LOGIN_PATH)
                    || path.equals(Html.CONSENT_PATH)) {
                response.getHeaders().put(HttpHeader.ALLOW, path.equals(Html.PAY_PATH) ? "GET" : "POST");
                throw new PageException(405, "This page does not accept that kind of request.");
            } else {
                throw new PageException(404, "There is no such page.");
            }
        } catch (PageException e) {
            PageHttp.send(response, callback, e.status(), Html.error(e.getMessage()), null, null);
        } catch (SQLException | IOException | RuntimeException e) {
            LOG.error("{} {} failed", method, path, e);
            PageHttp.send(response, callback, 500, Html.error("The broker could not complete the request; nothing was"
                    + " charged."), null, null);
        }
    }

    /** The live session of the request's cookie, or null. */
    private BrowserSessions.Session session(Request request) {
        return sessions.find(PageHttp.cookie(request, LoginPage.SESSION_COOKIE));
    }
}
