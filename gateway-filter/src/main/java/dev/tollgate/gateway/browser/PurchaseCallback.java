package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.Cookies;
import dev.tollgate.gateway.http.HtmlPages;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.payment.Credential;
import dev.tollgate.gateway.payment.CredentialCache;
import dev.tollgate.gateway.payment.CredentialReader;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.payment.FailedVerifications;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.settlement.ScripCanceller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser flow's callback (PROTOCOL.md section 10, "The gateway's callback"): the broker returns the buyer with
 * the scrip it has just issued and the purchase's {@code state}, which must be the one sealed in this browser's state
 * cookie. A good callback sets the scrip cookie and an allowance for the way back; a refused one that carries good
 * scrip returns its budget (closed here, cancelled at the broker).
 *
 * <p>What a callback changes (the state taken in {@link UsedStates}, the state cookie cleared) it changes only once
 * its answer is final: a callback refused {@code 429} ({@link CallbackGuard}) or one the gateway could not check for
 * its own outage leaves the purchase as it was, so posting it again later completes it. Thread-safe.
 */
final class PurchaseCallback {

    private static final String NEWER = "this browser opened another payment page";
    private static final Logger LOG = LoggerFactory.getLogger(PurchaseCallback.class);

    private final Clock clock;
    private final BrowserSeal seal;
    private final Ledger ledger;
    /** By a scrip's issuer: who cancels it at its broker. */
    private final Function<String, ScripCanceller> cancellers;
    private final CallbackGuard guard;
    private final UsedStates used;

    PurchaseCallback(Clock clock, BrowserSeal seal, Ledger ledger, Function<String, ScripCanceller> cancellers,
                     CallbackGuard guard) {
        this.clock = Objects.requireNonNull(clock);
        this.seal = Objects.requireNonNull(seal);
        this.ledger = Objects.requireNonNull(ledger);
        this.cancellers = Objects.requireNonNull(cancellers);
        this.guard = Objects.requireNonNull(guard);
        this.used = new UsedStates(clock, BrowserFlow.STATE_LIFETIME, ledger.oneUseValues());
    }

    /** How long a buyer whose scrip could not be checked yet is asked to wait before reloading. */
    static final int RETRY_AFTER_SECONDS = 60;
    private static final String RELOAD = ". Nothing was lost: reload this page in a minute to complete the payment.";

    /** A refusal that leaves the purchase as it was (the state not taken, its cookie kept): reloading may complete it. */
    private static final class Retryable extends Exception {
        private static final long serialVersionUID = 1L;
        final Refusal refusal;

        Retryable(int status, String code, String message) {
            super(message, null, false, false);
            this.refusal = new Refusal(status, code, message + RELOAD);
        }
    }

    /**
     * Answers a request for {@link BrowserFlow#CALLBACK_PATH}. Never throws for bad input: refusals are 400 or 405,
     * 429 for a client whose callbacks keep failing, 503 when the gateway cannot check scrip for its own outage.
     */
    void answer(HttpServletRequest request, HttpServletResponse response, String method, CredentialReader reader,
                CredentialCache credentials, GatewayConfig config) throws IOException {
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        boolean ownState = false;
        try {
            Map<String, String> form = BrowserForm.post(request, method, "callback");
            String state = form.get("state");
            if (state == null || state.isEmpty()) {
                throw new Refusal(400, "missing_state", "the form has no state");
            }
            if (!BrowserFlow.STATE.matcher(state).matches()) {
                throw new Refusal(400, "invalid_state", "the state is malformed");
            }
            String cookie = Cookies.value(request, BrowserFlow.STATE_COOKIE);
            PurchaseState purchase = cookie == null ? null : PurchaseState.open(seal, cookie);
            String problem = problem(cookie, purchase, state, config);
            // Cleared once the answer is final: taken, forged or expired. A newer purchase's cookie is left alone.
            boolean clear = cookie != null && (problem == null || !problem.startsWith(NEWER));
            // What an earlier callback of this state completed with; null while the state is fresh (UsedStates).
            String earlier = problem == null ? peek(purchase) : null;
            ownState = problem == null && earlier == null;
            String error = form.get("error");
            if (error != null) {
                // PROTOCOL.md section 10: the broker sends error=cancelled; any error means nothing was paid, so the
                // buyer goes back to the paywall, whatever else the form carries.
                finish(response, clear, problem, purchase);
                if (problem != null) {
                    throw new Refusal(400, "invalid_state", BrowserFlow.sentence(problem) + ". Nothing was paid.");
                }
                response.setStatus(303);
                response.setHeader("Location", purchase.returnPath());
                return;
            }
            String token = form.get("token");
            if (token == null || token.isEmpty()) {
                throw new Refusal(400, "missing_token", "the form has no token");
            }
            Credential.Verified verified;
            try {
                verified = verify(reader, credentials, token, request, ownState, earlier, config);
            } catch (Refusal refusal) {
                finish(response, clear, problem, purchase); // a token that is not good scrip takes the state
                throw refusal;
            }
            earlier = finish(response, clear, problem, purchase);
            if (problem == null && earlier != null && !earlier.equals(UsedStates.NO_SCRIP)
                    && !earlier.equals(verified.scrip().jti())) {
                problem = "this payment page's payment was completed already, with another payment";
            }
            if (problem != null && cookie == null && verified.scrip().jti().equals(recorded(state))) {
                // This very form completed its purchase already, and the state cookie is gone (Back, then the form
                // posted again): its scrip may be in this browser's cookie, so it is left as it is.
                throw new Refusal(400, "invalid_state", "This payment page's payment was completed already. This "
                        + "payment was used here already; nothing more was charged.");
            }
            if (problem != null) {
                guard.failed(request, config.clientLimits(), false);
                throw new Refusal(400, "invalid_state", BrowserFlow.sentence(problem) + ". "
                        + returnBudget(verified.scrip(), config));
            }
            complete(response, purchase, token, verified, config);
        } catch (Refusal refusal) {
            BrowserFlow.refuse(request, response, refusal);
        } catch (Retryable retryable) {
            response.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
            BrowserFlow.refuse(request, response, retryable.refusal);
        } catch (FailedVerifications.TooManyFailures e) {
            response.setHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
            BrowserFlow.refuse(request, response, new Refusal(429, e.code().code(), BrowserFlow.sentence(
                    e.getMessage()) + ". " + (ownState ? "Your payment was not checked yet: reload this page then to"
                    + " complete it." : "Nothing was paid by this request.")));
        } catch (RuntimeException e) {
            // A bug or an input no check foresaw: refuse rather than answer 500.
            LOG.warn("Could not complete a payment callback; refusing it", e);
            BrowserFlow.refuse(request, response, new Refusal(400, "invalid_callback",
                    "the payment could not be completed"));
        }
    }

    /**
     * The callback's answer is final: takes the state (if it matched) and clears the cookie (if {@code clear}).
     *
     * @return what an earlier callback of the state completed with, {@code null} if this one took it fresh
     */
    private String finish(HttpServletResponse response, boolean clear, String problem, PurchaseState purchase)
            throws Retryable {
        String earlier;
        try {
            earlier = problem == null ? used.take(purchase) : null;
        } catch (LedgerUnavailableException e) {
            throw unavailable(e);
        }
        if (clear) {
            BrowserFlow.clearState(response);
        }
        return earlier;
    }

    /** What an earlier callback of the state recorded ({@link UsedStates#peek}). */
    private String peek(PurchaseState purchase) throws Retryable {
        try {
            return used.peek(purchase);
        } catch (LedgerUnavailableException e) {
            throw unavailable(e);
        }
    }

    /** What a callback recorded for the form's state ({@link UsedStates#recorded}). */
    private String recorded(String state) throws Retryable {
        try {
            return used.recorded(state);
        } catch (LedgerUnavailableException e) {
            throw unavailable(e);
        }
    }

    /** The cluster's record of used states cannot be asked: the purchase is left as it was, to be completed later. */
    private static Retryable unavailable(LedgerUnavailableException e) {
        LOG.warn("Could not check a payment callback's state; leaving the purchase as it was", e);
        return new Retryable(503, "ledger_unavailable", "The payment could not be checked right now");
    }

    /** Sets the scrip cookie and the allowance for the way back, and sends the page that takes the buyer there. */
    private void complete(HttpServletResponse response, PurchaseState purchase, String token,
                          Credential.Verified verified, GatewayConfig config) throws Refusal, IOException {
        long seconds = (verified.expiresAtMillis() - clock.millis()) / 1000;
        if (seconds < 1) {
            throw new Refusal(400, "expired_token", "the scrip has expired");
        }
        // This state's purchase completes with this scrip; the same again (the broker's form posted twice) is
        // answered alike, and pays once: the allowance holds only while the scrip's budget is whole.
        try {
            used.completed(purchase, verified.scrip().jti());
        } catch (LedgerUnavailableException e) {
            // The state is taken: a replay is checked in full; only its answer to other scrip is less precise.
            LOG.warn("Could not record the scrip that completed a purchase's state", e);
        }
        response.addHeader("Set-Cookie", TollgateFilter.SCRIP_COOKIE + "=" + token + "; Max-Age=" + seconds
                + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        long now = Math.floorDiv(clock.millis(), 1000);
        Allowance back = new Allowance(Allowance.BACK_FROM_BROKER, now + BrowserFlow.ALLOWANCE_LIFETIME.toSeconds(),
                purchase.priceMicros(), verified.scrip().budgetMicros(), BrowserSeal.digest(purchase.returnPath()),
                verified.scrip().jti(), purchase.pass());
        response.addHeader("Set-Cookie", BrowserFlow.ALLOWANCE_COOKIE + "=" + back.seal(seal) + "; Max-Age="
                + BrowserFlow.ALLOWANCE_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        sendReturnPage(response, purchase.returnPath(), config.sellerName());
    }

    /** Why the callback's state is not this browser's latest, unexpired one; {@code null} if it is. */
    private String problem(String cookie, PurchaseState purchase, String state, GatewayConfig config) {
        long minutes = BrowserFlow.STATE_LIFETIME.toMinutes();
        if (cookie == null) {
            return "this browser has no payment of " + config.sellerName() + " in progress for it: the payment page was"
                    + " opened in another browser, or more than " + minutes + " minutes ago, or its payment was"
                    + " completed already";
        }
        if (purchase == null) {
            return "this browser's payment cookie was not made by " + config.sellerName();
        }
        if (!MessageDigest.isEqual(purchase.state().getBytes(StandardCharsets.US_ASCII),
                state.getBytes(StandardCharsets.US_ASCII))) {
            return NEWER + " of " + config.sellerName() + " since: only the latest one can be completed";
        }
        if (Math.floorDiv(clock.millis(), 1000) >= purchase.expiresAt()) {
            return "this payment page had expired: it was opened more than " + minutes + " minutes ago";
        }
        return null;
    }

    /**
     * Reads the callback's token like scrip in the cookie, from the cache if it was read before. A replay of a state
     * whose purchase completed with this very scrip ({@code earlier}), read before, is answered at no cost and never
     * refused. Otherwise the address is refused first if its callbacks keep failing (in the own-state bucket if
     * {@code ownState}: see {@link CallbackGuard}), and a token that is not good scrip counts against it.
     *
     * @throws Refusal the token is not good scrip: final
     * @throws Retryable the gateway cannot tell yet (its keys or its clock): the purchase is left as it was
     */
    private Credential.Verified verify(CredentialReader reader, CredentialCache credentials, String token,
                                       HttpServletRequest request, boolean ownState, String earlier,
                                       GatewayConfig config)
            throws Refusal, Retryable, FailedVerifications.TooManyFailures {
        if (earlier != null && !earlier.equals(UsedStates.NO_SCRIP)
                && credentials.get(CredentialCache.tokenKey(token)) instanceof Credential.Verified read
                && read.scrip().jti().equals(earlier)) {
            return read;
        }
        guard.check(request, config.clientLimits(), ownState);
        Credential credential;
        try {
            credential = reader.fromCallback(token, credentials);
        } catch (PaymentException e) {
            if (e.code() == ErrorCode.BROKER_UNAVAILABLE) { // the gateway's outage is no failure of the client
                throw new Retryable(503, e.code().code(), "The payment could not be checked right now: "
                        + e.getMessage());
            }
            // An unknown key or a token not yet valid: it may verify later (a key the broker has just added, clocks
            // apart), so the purchase is left as it was; the address pays for the check all the same.
            guard.failed(request, config.clientLimits(), ownState);
            throw new Retryable(400, e.code().code(), "The scrip could not be checked yet: " + e.getMessage());
        }
        if (!(credential instanceof Credential.Verified verified)) {
            guard.failed(request, config.clientLimits(), ownState);
            throw credential instanceof Credential.Rejected rejected
                    ? new Refusal(400, rejected.code().code(), "the scrip was refused: " + rejected.message())
                    : new Refusal(400, "invalid_token", "the token is not scrip");
        }
        return verified;
    }

    /**
     * The broker issued {@code scrip} for a purchase this gateway refuses: closes it in the ledger, so it can never be
     * charged here, then has the broker return its budget; says what became of it. Scrip already known to the ledger
     * (charged or presented here before: a callback replayed after its purchase) is left as it is.
     */
    private String returnBudget(ScripAccount scrip, GatewayConfig config) {
        String broker = config.brokers().stream().filter(b -> b.issuer().equals(scrip.issuer())).findFirst()
                .map(GatewayConfig.Broker::name).orElse("the broker");
        boolean closed;
        try {
            closed = ledger.closeUnused(scrip);
        } catch (LedgerUnavailableException e) {
            LOG.warn("Could not close scrip {} refused at the callback; it returns to its buyer at its expiry",
                    scrip.jti(), e);
            return "Nothing was charged; the budget you allowed returns to your account at " + broker + " when it"
                    + " expires.";
        }
        if (!closed) {
            return "This payment was used here already; nothing more was charged.";
        }
        return switch (cancellers.apply(scrip.issuer()).cancel(scrip.jti())) {
            case RETURNED -> "Nothing was charged, and the budget you allowed was returned to your account at " + broker
                    + ".";
            case PENDING -> "Nothing was charged; the budget you allowed is being returned to your account at " + broker
                    + " (if " + broker + " cannot be reached, it returns the budget after it expires).";
            case REFUSED -> "Nothing was charged here; " + broker + " returns the budget you allowed after it expires.";
        };
    }

    /**
     * The answer to a good callback: a page of this site that takes the buyer on to the item. A redirect would make
     * the item's history entry a navigation from the broker's site, which the item's reload and Back would then
     * claim to be (Chromium sends the entry's {@code Sec-Fetch-Site: cross-site} again); from this page it is
     * {@code same-origin}. No script: a meta refresh, and a link for the rare browser that ignores it.
     */
    private static void sendReturnPage(HttpServletResponse response, String path, String sellerName)
            throws IOException {
        String href = HtmlPages.escape(path);
        byte[] page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"refresh\" content=\"0;url=" + href + "\">\n"
                + "<title>Payment complete - " + HtmlPages.escape(sellerName) + "</title>\n</head>\n<body>\n<main>\n"
                + "<h1>Payment complete</h1>\n<p><a href=\"" + href + "\">Continue to the page you paid for</a></p>\n"
                + "</main>\n</body>\n</html>\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Content-Security-Policy", "default-src 'none'");
        response.setContentType("text/html;charset=utf-8");
        response.setContentLength(page.length);
        response.getOutputStream().write(page);
    }
}
