package dev.tollgate.broker;

import java.sql.SQLException;
import java.util.Map;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consent page of the browser pages and its {@code POST /pay/consent}: with a live session and its CSRF token,
 * Allow issues scrip for the chosen budget exactly as {@code POST /v1/scrip} does and Cancel issues nothing; either
 * is handed back to the seller ({@link HandBack}). One decision per payment: a repeated POST (a double click, the
 * back button) gets the answer already given, never a second scrip. Thread-safe.
 */
final class ConsentPage {

    private static final Logger LOG = LoggerFactory.getLogger(ConsentPage.class);

    private final Issuer issuer;
    private final Settlement settlement;
    private final BrowserSessions sessions;
    private final LoginPage login;
    private final Html.Broker broker;

    /** @param login where a POST whose session has ended is sent back to */
    ConsentPage(Issuer issuer, Settlement settlement, BrowserSessions sessions, LoginPage login, Html.Broker broker) {
        this.issuer = issuer;
        this.settlement = settlement;
        this.sessions = sessions;
        this.login = login;
        this.broker = broker;
    }

    /** Answers the consent page: the budget choices the buyer's balance (after its expiry returns) allows. */
    void show(Response response, Callback callback, PayRequest pay, BrowserSessions.Session session, int status,
              String message) throws SQLException {
        settlement.returnExpired(session.account);
        long balance = issuer.account(session.account, 1).map(Accounts.Account::balance).orElse(0L);
        String nonce = Secrets.randomToken(16);
        PageHttp.send(response, callback, status, ConsentHtml.page(broker, pay, session.csrf, session.username,
                balance, BudgetForm.choices(pay.price(), balance), issuer.currency(), message, nonce),
                pay.returnOrigin(), nonce);
    }

    /** {@code POST /pay/consent} in {@code session}, or the login form again if it has ended (null). */
    void submit(Request request, Response response, Callback callback, PayRequest pay, Map<String, String> form,
                BrowserSessions.Session session) throws PageException, SQLException {
        if (session == null) {
            login.show(request, response, callback, pay, 401, "Your session has ended. Log in again to continue.");
            return;
        }
        if (!PageHttp.sameToken(session.csrf, form.get("csrf"))) {
            throw new PageException(403, "This form did not come from this broker's page. Nothing was charged.");
        }
        String action = form.get("action");
        if (!"allow".equals(action) && !"cancel".equals(action)) {
            throw PageException.badRequest("Choose Allow or Cancel.");
        }
        // Under the session's lock, so that two POSTs of one payment cannot both issue.
        synchronized (session) {
            Map<String, String> done = sessions.outcome(session, HandBack.outcomeKey(pay));
            if (done != null) {
                HandBack.send(response, callback, pay, HandBack.ordered(done), done.containsKey("token")
                        ? "Returning to " + pay.seller().name() : "Payment cancelled");
                return;
            }
            if (action.equals("cancel")) {
                Map<String, String> fields = HandBack.cancelled(pay);
                sessions.record(session, HandBack.outcomeKey(pay), fields);
                HandBack.send(response, callback, pay, fields, "Payment cancelled");
                return;
            }
            allow(response, callback, pay, BudgetForm.chosen(form), session);
        }
    }

    private void allow(Response response, Callback callback, PayRequest pay, long budget,
                       BrowserSessions.Session session) throws PageException, SQLException {
        long min = Math.max(pay.price(), 1);
        if (budget == BudgetForm.AMBIGUOUS) {
            show(response, callback, pay, session, 400, "You typed an amount and also ticked a listed one. Tick"
                    + " \"Another amount\" to allow what you typed, or clear it to allow the listed amount.");
            return;
        }
        if (budget < min || budget > ScripRules.MAX_BUDGET_MICROS) {
            show(response, callback, pay, session, 400, budget == BudgetForm.MALFORMED
                    ? "Enter an amount such as 3.00."
                    : "The amount must be from " + Html.money(min, issuer.currency()) + " to "
                    + Html.money(ScripRules.MAX_BUDGET_MICROS, issuer.currency()) + ".");
            return;
        }
        Issuer.Issued issued;
        try {
            issued = issuer.issue(session.account, pay.seller().id(), budget, ScripRules.DEFAULT_TTL);
        } catch (ApiException e) {
            if (e.code().equals("insufficient_funds")) {
                show(response, callback, pay, session, 409, "Your balance does not cover "
                        + Html.money(budget, issuer.currency()) + ". Choose a smaller amount.");
                return;
            }
            throw PageException.badRequest("The broker refused the payment: " + e.getMessage());
        }
        LOG.info("Browser consent of {}: scrip {} for seller {}, budget {}", session.username, issued.jti(),
                pay.seller().id(), budget);
        Map<String, String> fields = HandBack.issued(pay, issued.token());
        sessions.record(session, HandBack.outcomeKey(pay), fields);
        HandBack.send(response, callback, pay, fields, "Returning to " + pay.seller().name());
    }
}
