package dev.tollgate.broker;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 * The broker's browser pages (docs/PROTOCOL.md section 10): {@code GET /pay} validates a seller's payment request,
 * asks the buyer to log in, then for consent to a budget; {@code POST /pay/consent} issues scrip as
 * {@code POST /v1/scrip} does and hands it back to the seller's return URL by an auto-submitted POST form.
 *
 * <p>Security: every parameter is validated before anything is shown and again on every POST; a bad request gets an
 * HTML error page and never a redirect. Sessions are server-side ({@link BrowserSessions}); every form carries a
 * CSRF token (bound to the session, or before login to a {@code __Host-} cookie, double-submit). Every answer has a
 * strict CSP, {@code no-store}, {@code nosniff} and {@code no-referrer}. Thread-safe.
 */
final class BrowserPages {

    /** {@link #budget}: a preset checked and an amount typed. */
    private static final long AMBIGUOUS = -2;

    static final String PAY_PATH = "/pay";
    static final String LOGIN_PATH = "/pay/login";
    static final String CONSENT_PATH = "/pay/consent";
    static final String SESSION_COOKIE = "tollgate_session";
    /** Login CSRF cookie; {@code __Host-} so that a sibling subdomain cannot plant one. */
    static final String LOGIN_COOKIE = "__Host-tollgate_login";
    /** Budget choices offered when at least the price, in micro-units: $0.50, $1, $2, $5. */
    static final List<Long> PRESETS = List.of(500_000L, 1_000_000L, 2_000_000L, 5_000_000L);

    private static final Logger LOG = LoggerFactory.getLogger(BrowserPages.class);
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern CUSTOM = Pattern.compile("\\$?([0-9]{1,3})(?:\\.([0-9]{1,6}))?");

    private final Issuer issuer;
    private final Settlement settlement;
    private final BuyerLogins logins;
    private final BrowserSessions sessions;
    private final PayRequest.Sellers sellers;
    private final Semaphore hashing = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

    BrowserPages(Issuer issuer, Settlement settlement, BuyerLogins logins, BrowserSessions sessions,
                 PayRequest.Sellers sellers) {
        this.issuer = issuer;
        this.settlement = settlement;
        this.logins = logins;
        this.sessions = sessions;
        this.sellers = sellers;
    }

    /** Whether {@code path} is one of these pages. */
    static boolean handles(String path) {
        return path.equals(PAY_PATH) || path.startsWith(PAY_PATH + "/");
    }

    void handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        try {
            if (path.equals(Html.STYLESHEET_PATH) && method.equals("GET")) {
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "max-age=3600");
                PageHttp.send(response, callback, 200, "text/css; charset=utf-8", Html.STYLESHEET, null, null);
            } else if (path.equals(PAY_PATH) && method.equals("GET")) {
                show(request, response, callback, PageHttp.query(request));
            } else if (path.equals(LOGIN_PATH) && method.equals("POST")) {
                login(request, response, callback, PageHttp.form(request));
            } else if (path.equals(CONSENT_PATH) && method.equals("POST")) {
                consent(request, response, callback, PageHttp.form(request));
            } else if (path.equals(PAY_PATH) || path.equals(LOGIN_PATH) || path.equals(CONSENT_PATH)) {
                response.getHeaders().put(HttpHeader.ALLOW, path.equals(PAY_PATH) ? "GET" : "POST");
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

    // --- pages ------------------------------------------------------------------------------------------------

    private void show(Request request, Response response, Callback callback, Map<String, String> params)
            throws PageException, SQLException {
        PayRequest pay = PayRequest.parse(params, sellers);
        BrowserSessions.Session session = sessions.find(PageHttp.cookie(request, SESSION_COOKIE));
        if (session == null) {
            showLogin(request, response, callback, pay, 200, null);
        } else {
            showConsent(response, callback, pay, session, 200, null);
        }
    }

    private void showLogin(Request request, Response response, Callback callback, PayRequest pay, int status,
                           String message) {
        String csrf = PageHttp.cookie(request, LOGIN_COOKIE);
        if (csrf == null || !TOKEN.matcher(csrf).matches()) {
            csrf = Secrets.randomToken(32);
        }
        response.getHeaders().add(HttpHeader.SET_COOKIE, LOGIN_COOKIE + "=" + csrf
                + "; Path=/; Max-Age=1800; Secure; HttpOnly; SameSite=Strict");
        PageHttp.send(response, callback, status, Html.login(pay, csrf, issuer.currency(), message), pay.returnOrigin(),
                null);
    }

    private void showConsent(Response response, Callback callback, PayRequest pay, BrowserSessions.Session session,
                             int status, String message) throws SQLException {
        settlement.returnExpired(session.account);
        long balance = issuer.account(session.account, 1).map(Accounts.Account::balance).orElse(0L);
        PageHttp.send(response, callback, status, Html.consent(pay, session.csrf, session.username, balance,
                choices(pay.price(), balance), issuer.currency(), message), pay.returnOrigin(), null);
    }

    /** The preset budgets from the price up to what the balance and the scrip cap allow; the price alone if none. */
    static List<Long> choices(long price, long balance) {
        long min = Math.max(price, 1);
        long cap = Math.min(balance, ScripRules.MAX_BUDGET_MICROS);
        List<Long> out = new ArrayList<>();
        for (long p : PRESETS) {
            if (p >= min && p <= cap) {
                out.add(p);
            }
        }
        if (out.isEmpty() && min <= cap) {
            out.add(min);
        }
        return out;
    }

    private void login(Request request, Response response, Callback callback, Map<String, String> form)
            throws PageException, SQLException {
        PayRequest pay = PayRequest.parse(form, sellers);
        String cookie = PageHttp.cookie(request, LOGIN_COOKIE);
        if (cookie == null || !PageHttp.sameToken(cookie, form.get("csrf"))) {
            throw new PageException(403, "The login form has expired or did not come from this broker. Go back to"
                    + " the site and start the payment again.");
        }
        if ("cancel".equals(form.get("action"))) {
            handBack(response, callback, pay, cancelled(pay), "Payment cancelled");
            return;
        }
        String username = BuyerLogins.normalize(form.get("username"));
        String password = form.getOrDefault("password", "");
        String key = username != null ? username : "?invalid";
        if (!sessions.attempt(key)) {
            showLogin(request, response, callback, pay, 429, "Too many failed logins for this username. Wait a"
                    + " few minutes and try again.");
            return;
        }
        BuyerLogins.Login found = username == null ? null : logins.find(username).orElse(null);
        if (!checkPassword(password, found)) {
            LOG.info("Failed browser login for {}", username == null ? "an invalid username" : username);
            showLogin(request, response, callback, pay, 403, "The username or password is wrong.");
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
        headers.put(HttpHeader.LOCATION, PAY_PATH + "?" + PageHttp.encode(pay.fields()));
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

    private void consent(Request request, Response response, Callback callback, Map<String, String> form)
            throws PageException, SQLException {
        PayRequest pay = PayRequest.parse(form, sellers);
        BrowserSessions.Session session = sessions.find(PageHttp.cookie(request, SESSION_COOKIE));
        if (session == null) {
            showLogin(request, response, callback, pay, 401, "Your session has ended. Log in again to continue.");
            return;
        }
        if (!PageHttp.sameToken(session.csrf, form.get("csrf"))) {
            throw new PageException(403, "This form did not come from this broker's page. Nothing was charged.");
        }
        String action = form.get("action");
        if (!"allow".equals(action) && !"cancel".equals(action)) {
            throw PageException.badRequest("Choose Allow or Cancel.");
        }
        // One decision per payment: under the session's lock, a repeated POST (double click, back button) gets
        // the answer already given, never a second scrip.
        synchronized (session) {
            Map<String, String> done = sessions.outcome(session, outcomeKey(pay));
            if (done != null) {
                handBack(response, callback, pay, ordered(done), done.containsKey("token")
                        ? "Returning to " + pay.seller().name() : "Payment cancelled");
                return;
            }
            if (action.equals("cancel")) {
                Map<String, String> fields = cancelled(pay);
                sessions.record(session, outcomeKey(pay), fields);
                handBack(response, callback, pay, fields, "Payment cancelled");
                return;
            }
            long min = Math.max(pay.price(), 1);
            long budget = budget(form);
            if (budget == AMBIGUOUS) {
                showConsent(response, callback, pay, session, 400, "You typed an amount and checked another choice."
                        + " Choose \"Another amount\" to use the typed amount, or clear it.");
                return;
            }
            if (budget < min || budget > ScripRules.MAX_BUDGET_MICROS) {
                showConsent(response, callback, pay, session, 400, budget < 0 ? "Enter an amount such as 3.00."
                        : "The amount must be from " + Html.money(min, issuer.currency()) + " to "
                        + Html.money(ScripRules.MAX_BUDGET_MICROS, issuer.currency()) + ".");
                return;
            }
            Issuer.Issued issued;
            try {
                issued = issuer.issue(session.account, pay.seller().id(), budget, ScripRules.DEFAULT_TTL);
            } catch (ApiException e) {
                if (e.code().equals("insufficient_funds")) {
                    showConsent(response, callback, pay, session, 409, "Your balance does not cover "
                            + Html.money(budget, issuer.currency()) + ". Choose a smaller amount.");
                    return;
                }
                throw PageException.badRequest("The broker refused the payment: " + e.getMessage());
            }
            LOG.info("Browser consent of {}: scrip {} for seller {}, budget {}", session.username, issued.jti(),
                    pay.seller().id(), budget);
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("token", issued.token());
            fields.put("state", pay.state());
            sessions.record(session, outcomeKey(pay), fields);
            handBack(response, callback, pay, fields, "Returning to " + pay.seller().name());
        }
    }

    private static Map<String, String> cancelled(PayRequest pay) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("error", "cancelled");
        fields.put("state", pay.state());
        return fields;
    }

    /** The hand-back fields in their wire order: token or error first, then state. */
    private static Map<String, String> ordered(Map<String, String> fields) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(fields.containsKey("token") ? "token" : "error", fields.getOrDefault("token", fields.get("error")));
        out.put("state", fields.get("state"));
        return out;
    }

    private void handBack(Response response, Callback callback, PayRequest pay, Map<String, String> fields,
                          String heading) {
        String nonce = Secrets.randomToken(16);
        PageHttp.send(response, callback, 200, Html.handBack(pay.returnUrl(), fields, pay.seller().name(), nonce, heading),
                pay.returnOrigin(), nonce);
    }

    /**
     * What a repeated Allow or Cancel is recognised by: the state together with the seller and the return URL, so a
     * token handed back for one seller is never handed to another that reuses its state.
     */
    private static String outcomeKey(PayRequest pay) {
        return pay.seller().id() + '\n' + pay.returnUrl() + '\n' + pay.state();
    }

    /**
     * The chosen budget in micro-units; -1 if the custom amount is malformed, {@link #AMBIGUOUS} if a preset is
     * checked while an amount is typed: the buyer may have typed first and then picked the preset, so neither is
     * taken as consent.
     */
    private static long budget(Map<String, String> form) {
        String choice = form.getOrDefault("budget", "");
        String custom = form.getOrDefault("custom", "").strip();
        if (!choice.equals("custom") && !custom.isEmpty()) {
            return AMBIGUOUS;
        }
        String text = choice.equals("custom") ? custom : null;
        if (text == null) {
            return choice.matches("[0-9]{1,12}") ? Long.parseLong(choice) : -1;
        }
        java.util.regex.Matcher m = CUSTOM.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        String fraction = m.group(2) == null ? "" : m.group(2);
        return Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong((fraction + "000000").substring(0, 6));
    }
}
