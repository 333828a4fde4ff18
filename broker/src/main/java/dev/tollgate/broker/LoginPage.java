package dev.tollgate.broker;

import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login form of the browser pages and its {@code POST /pay/login}: the password checked against its PBKDF2 hash
 * (throttled per username, at most half the cores hashing at once), a new server-side session in a cookie, then
 * {@code 303} back to {@code GET /pay}. Before login the form's CSRF token is a double-submit {@code __Host-} cookie,
 * so that another site cannot log a buyer in to an account of its choosing. Thread-safe.
 */
final class LoginPage {

    static final String SESSION_COOKIE = "tollgate_session";
    /** Login CSRF cookie; {@code __Host-} so that a sibling subdomain cannot plant one. */
    static final String LOGIN_COOKIE = "__Host-tollgate_login";

    private static final Logger LOG = LoggerFactory.getLogger(LoginPage.class);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final BuyerLogins logins;
    private final BrowserSessions sessions;
    private final String currency;
    private final Html.Broker broker;
    private final Semaphore hashing = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

    LoginPage(BuyerLogins logins, BrowserSessions sessions, String currency, Html.Broker broker) {
        this.logins = logins;
        this.sessions = sessions;
        this.currency = currency;
        this.broker = broker;
    }

    /** Answers the login form for {@code pay}, with {@code message} (if any) and its CSRF cookie. */
    void show(Request request, Response response, Callback callback, PayRequest pay, int status, String message) {
        String csrf = PageHttp.cookie(request, LOGIN_COOKIE);
        if (csrf == null || !TOKEN.matcher(csrf).matches()) {
            csrf = Secrets.randomToken(32);
        }
        response.getHeaders().add(HttpHeader.SET_COOKIE, LOGIN_COOKIE + "=" + csrf
                + "; Path=/; Max-Age=1800; Secure; HttpOnly; SameSite=Strict");
        PageHttp.send(response, callback, status, Html.login(broker, pay, csrf, currency, message), pay.returnOrigin(), null);
    }

    /** {@code POST /pay/login}: logs in (or hands back a cancel) after checking the form's CSRF cookie. */
    void submit(Request request, Response response, Callback callback, PayRequest pay, Map<String, String> form)
            throws PageException, SQLException {
        String cookie = PageHttp.cookie(request, LOGIN_COOKIE);
        if (cookie == null || !PageHttp.sameToken(cookie, form.get("csrf"))) {
            throw new PageException(403, "The login form has expired or did not come from this broker. Go back to"
                    + " the site and start the payment again.");
        }
        if ("cancel".equals(form.get("action"))) {
            HandBack.send(response, callback, pay, HandBack.cancelled(pay), "Payment cancelled");
            return;
        }
        String username = BuyerLogins.normalize(form.get("username"));
        String password = form.getOrDefault("password", "");
        String key = username != null ? username : "?invalid";
        if (!sessions.attempt(key)) {
            show(request, response, callback, pay, 429, "Too many failed logins for this username. Wait a"
                    + " few minutes and try again.");
            return;
        }
        BuyerLogins.Login found = username == null ? null : logins.find(username).orElse(null);
        if (!checkPassword(password, found)) {
            LOG.info("Failed browser login for {}", username == null ? "an invalid username" : username);
            show(request, response, callback, pay, 403, "The username or password is wrong.");
            return;
        }
        sessions.succeeded(key);
        BrowserSessions.Session session = sessions.create(found.buyer(), found.username());
        LOG.info("Browser login of {}", found.username());
        HttpFields.Mutable headers = response.getHeaders();
        headers.add(HttpHeader.SET_COOKIE, SESSION_COOKIE + "=" + session.id
                + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        headers.add(HttpHeader.SET_COOKIE, LOGIN_COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
        // Back to GET /pay with the validated parameters: a path on this broker only, so no open redirect.
        headers.put(HttpHeader.LOCATION, Html.PAY_PATH + "?" + PageHttp.encode(pay.fields()));
        PageHttp.send(response, callback, 303, "", pay.returnOrigin(), null);
    }

    /**
     * PBKDF2 costs a fraction of a CPU-second by design; at most half the cores' worth run at once, so that a flood of
     * logins (each username has its own throttle) cannot take every core from the API.
     */
    private boolean checkPassword(String password, BuyerLogins.Login found) throws PageException {
        try {
            if (!hashing.tryAcquire(5, TimeUnit.SECONDS)) {
                throw new PageException(503, "The broker is busy. Try again in a moment.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageException(503, "The broker is busy. Try again in a moment.");
        }
        try {
            return Passwords.matches(password, found == null ? null : found.hash());
        } finally {
            hashing.release();
        }
    }
}
