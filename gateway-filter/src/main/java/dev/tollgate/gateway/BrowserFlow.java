package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.internal.PaymentException;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.settlement.ScripCanceller;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser purchase flow (PROTOCOL.md section 10, "The gateway's callback"). It keeps nothing per purchase: what a
 * purchase needs travels in the buyer's browser, sealed with this gateway's key ({@link BrowserSeal}), so viewing
 * paywalls costs the gateway no memory, however many are viewed, and a purchase survives a restart.
 * <ul>
 *   <li>The 402 page links to the broker's pay page with a fresh {@code state}; its nonce, the price shown, an expiry
 *       and the page's local path are sealed in the {@code __Host-tollgate_state} cookie ({@link PurchaseState}).</li>
 *   <li>The broker POSTs the scrip back to {@value #CALLBACK_PATH}, where the {@code state} must match that cookie
 *       within {@link #STATE_LIFETIME}. The scrip is verified like any cookie scrip and set in the
 *       {@value TollgateFilter#SCRIP_COOKIE} cookie, and a page of this site takes the buyer back to the item, so the
 *       item's history entry is this site's own: reload and Back are then the buyer's own navigations.</li>
 *   <li>A callback refused after the broker issued scrip closes that scrip in the ledger, so it can never be charged
 *       here, and cancels it at the broker ({@link ScripCanceller}); the page says what became of the budget.</li>
 *   <li>{@link #checkCookieRequest} decides whether a request may be paid from the cookie ({@link FetchMetadata},
 *       {@link Allowance}); "Continue and pay" posts to {@value #CONFIRM_PATH}.</li>
 * </ul>
 * Thread-safe.
 */
final class BrowserFlow {

    /** Where the broker returns the buyer, within the filter's context. */
    static final String CALLBACK_PATH = "/.tollgate/callback";
    /** Where "Continue and pay" posts, within the filter's context. */
    static final String CONFIRM_PATH = "/.tollgate/confirm";
    /**
     * {@code __Host-}: the browser keeps it only if this host set it over HTTPS with {@code Path=/} and no domain, so
     * a sibling subdomain, another port or a plain-HTTP attacker cannot plant a state of its own choosing.
     */
    static final String STATE_COOKIE = "__Host-tollgate_state";
    /** {@code __Host-}, like the state cookie: carries an {@link Allowance}. */
    static final String ALLOWANCE_COOKIE = "__Host-tollgate_allow";
    static final Duration STATE_LIFETIME = Duration.ofMinutes(10);
    /** How long an allowance set in the cookie lasts: the navigation it is for follows at once. */
    static final Duration ALLOWANCE_LIFETIME = Duration.ofMinutes(2);
    /** How long a "Continue and pay" button works. */
    static final Duration CONFIRMATION_LIFETIME = Duration.ofMinutes(10);
    /** A form with a token and a state is a few KiB; more is not a callback. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_ITEM_CHARS = 200;
    /** The request attribute under which a refused cookie payment leaves its "Continue and pay" allowance. */
    static final String CONTINUE_ATTRIBUTE = "dev.tollgate.gateway.continue";
    private static final int MAX_RETURN_PATH = 2048;
    private static final Pattern STATE = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final Logger LOG = LoggerFactory.getLogger(BrowserFlow.class);

    /** Why a callback is refused: a code for programs, a sentence for people. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        Refusal(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    private final Clock clock;
    private final BrowserSeal seal;
    private final Ledger ledger;
    private final ScripCanceller canceller;
    private final SecureRandom random = new SecureRandom();
    private final UsedStates used;
    private final CallbackGuard guard;

    BrowserFlow(Clock clock, BrowserSeal seal, Ledger ledger, ScripCanceller canceller, CallbackGuard guard) {
        this.clock = Objects.requireNonNull(clock);
        this.seal = Objects.requireNonNull(seal);
        this.ledger = Objects.requireNonNull(ledger);
        this.canceller = Objects.requireNonNull(canceller);
        this.used = new UsedStates(clock, STATE_LIFETIME);
        this.guard = Objects.requireNonNull(guard);
    }

    /**
     * Starts a purchase from a 402 page: seals a fresh state with the price and the request's local path in the state
     * cookie, and returns the broker's pay link for {@code rule}. Nothing is kept here.
     */
    String start(HttpServletRequest request, HttpServletResponse response, GatewayConfig config, PriceRule rule) {
        byte[] nonce = new byte[PurchaseState.NONCE_BYTES];
        random.nextBytes(nonce);
        PurchaseState state = new PurchaseState(nonce, seconds() + STATE_LIFETIME.toSeconds(), rule.price().micros(),
                returnPath(request));
        response.addHeader("Set-Cookie", STATE_COOKIE + "=" + state.seal(seal) + "; Max-Age="
                + STATE_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=None");
        String item = item(rule.description().isEmpty() ? TollgateFilter.pathOf(request) : rule.description());
        String origin = config.sellerOrigin().map(Object::toString).orElseGet(() -> originOf(request));
        return config.broker().payUri() + "?seller=" + encode(config.sellerId())
                + "&return=" + encode(origin + request.getContextPath() + CALLBACK_PATH)
                + "&state=" + state.state()
                + "&price=" + rule.price().microsString()
                + "&item=" + encode(item);
    }

    private long seconds() {
        return Math.floorDiv(clock.millis(), 1000);
    }

    /**
     * Whether a request paid from the scrip cookie may be charged {@code priceMicros}: only a top-level navigation the
     * person made on this site ({@link FetchMetadata#OWN_NAVIGATION}), or one an {@link Allowance} in the cookie
     * covers (back from the broker, or after "Continue and pay"), at most at the allowance's price. A navigation from
     * another site, or a request without Fetch Metadata, gets a "Continue and pay" button (left in the request
     * attribute {@link #CONTINUE_ATTRIBUTE}); what a page loads or the browser fetches ahead is not paid at all.
     *
     * @return {@code null} if it may be charged; otherwise why not
     */
    PaymentException checkCookieRequest(HttpServletRequest request, Credential.Verified paid, long priceMicros,
                                        String sellerName) throws LedgerUnavailableException {
        FetchMetadata how = FetchMetadata.of(request);
        if (how == FetchMetadata.SUBRESOURCE || how == FetchMetadata.SPECULATIVE) {
            return new PaymentException(ErrorCode.CONFIRMATION_REQUIRED, "the budget you gave " + sellerName
                    + " pays only for pages you open yourself, not for " + (how == FetchMetadata.SUBRESOURCE
                    ? "what a page loads or fetches" : "pages your browser loads ahead of a click"));
        }
        String sealed = cookie(request, ALLOWANCE_COOKIE);
        if (sealed == null && how == FetchMetadata.OWN_NAVIGATION) {
            return null; // the hot path: a click on this site
        }
        ScripAccount scrip = paid.scrip();
        String path = returnPath(request);
        long remaining = ledger.remaining(scrip);
        Allowance allowance = sealed == null ? null : Allowance.open(seal, sealed);
        if (allowance != null && allowance.covers(path, scrip.jti(), seconds())
                && allowance.remainingMicros() == remaining) {
            if (priceMicros > allowance.capMicros()) {
                return new PaymentException(ErrorCode.PRICE_CHANGED, allowance.purpose() == Allowance.BACK_FROM_BROKER
                        ? "the price went up while you were at the broker" : "the price went up after you confirmed");
            }
            return null;
        }
        if (how == FetchMetadata.OWN_NAVIGATION) {
            return null;
        }
        request.setAttribute(CONTINUE_ATTRIBUTE, new Allowance(Allowance.CONFIRMED, seconds()
                + CONFIRMATION_LIFETIME.toSeconds(), priceMicros, remaining, BrowserSeal.digest(path), scrip.jti())
                .seal(seal));
        return new PaymentException(ErrorCode.CONFIRMATION_REQUIRED, (how == FetchMetadata.OTHER_SITE_NAVIGATION
                ? "this page was opened from another site" : "your browser did not say how this page was opened")
                + ": continue to pay it from the budget you gave " + sellerName);
    }

    /**
     * Answers {@value #CONFIRM_PATH}: "Continue and pay" posts the allowance the 402 page carried and the page's path;
     * the allowance goes into the cookie and the browser back to the page, which it then pays once. An allowance is
     * bound to the buyer's scrip, so one posted from elsewhere pays nothing. Never throws for bad input.
     */
    void confirm(HttpServletRequest request, HttpServletResponse response, String method) throws IOException {
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        try {
            Map<String, String> form = form(request, method, "confirmation");
            Allowance allowance = Allowance.open(seal, form.get("allowance"));
            String path = form.get("path");
            if (allowance == null || allowance.purpose() != Allowance.CONFIRMED || path == null || !isLocalPath(path)
                    || !MessageDigest.isEqual(allowance.pathDigest(), BrowserSeal.digest(path))) {
                throw new Refusal(400, "invalid_confirmation", "this button was not made by this site for this page");
            }
            if (seconds() < allowance.expiresAt()) {
                response.addHeader("Set-Cookie", ALLOWANCE_COOKIE + "=" + new Allowance(Allowance.CONFIRMED,
                        seconds() + ALLOWANCE_LIFETIME.toSeconds(), allowance.capMicros(), allowance.remainingMicros(),
                        allowance.pathDigest(), allowance.jti()).seal(seal) + "; Max-Age="
                        + ALLOWANCE_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=Lax");
            } // else: back to the page, which asks again
            response.setStatus(303);
            response.setHeader("Location", path);
        } catch (Refusal refusal) {
            refuse(request, response, refusal);
        } catch (RuntimeException e) {
            LOG.warn("Could not read a payment confirmation; refusing it", e);
            refuse(request, response, new Refusal(400, "invalid_confirmation", "the confirmation could not be read"));
        }
    }

    /**
     * What is bought, as the broker's pay page takes it (PROTOCOL.md section 10): at most {@link #MAX_ITEM_CHARS}
     * characters, no control characters (a description may span lines).
     */
    static String item(String description) {
        StringBuilder item = new StringBuilder(Math.min(description.length(), MAX_ITEM_CHARS));
        for (int i = 0; i < description.length() && item.length() < MAX_ITEM_CHARS; i++) {
            char c = description.charAt(i);
            if (Character.isHighSurrogate(c) && item.length() == MAX_ITEM_CHARS - 1) {
                break; // never half a character
            }
            item.append(Character.isISOControl(c) ? ' ' : c);
        }
        return item.toString();
    }

    /**
     * The request's path and query, to return the buyer to: always a local path, never an absolute or
     * protocol-relative ({@code //host}, {@code /\\host}) URL; the context's root otherwise.
     */
    static String returnPath(HttpServletRequest request) {
        String query = request.getQueryString();
        String path = request.getRequestURI() + (query == null ? "" : "?" + query);
        return isLocalPath(path) ? path : request.getContextPath() + "/";
    }

    /**
     * Whether {@code path} is a path on this origin, safe in a {@code Location} header: at most 2048 printable ASCII
     * characters, starting with one {@code /} and no backslash.
     */
    static boolean isLocalPath(String path) {
        boolean local = path.length() <= MAX_RETURN_PATH && path.startsWith("/")
                && !(path.length() > 1 && (path.charAt(1) == '/' || path.charAt(1) == '\\'));
        for (int i = 0; local && i < path.length(); i++) {
            char c = path.charAt(i);
            local = c > 0x20 && c < 0x7f && c != '\\';
        }
        return local;
    }

    private static String originOf(HttpServletRequest request) {
        String scheme = request.getScheme();
        int port = request.getServerPort();
        boolean defaultPort = port <= 0 || (scheme.equals("https") && port == 443) || (scheme.equals("http")
                && port == 80);
        return scheme + "://" + request.getServerName() + (defaultPort ? "" : ":" + port);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Answers a request for {@link #CALLBACK_PATH}. Never throws for bad input: refusals are 400 or 405, and 429 for a
     * client whose callbacks keep failing ({@link CallbackGuard}).
     */
    void callback(HttpServletRequest request, HttpServletResponse response, String method, CredentialReader reader,
                  CredentialCache credentials, GatewayConfig config) throws IOException {
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        boolean ownState = false;
        try {
            Map<String, String> form = form(request, method, "callback");
            String state = form.get("state");
            if (state == null || state.isEmpty()) {
                throw new Refusal(400, "missing_state", "the form has no state");
            }
            if (!STATE.matcher(state).matches()) {
                throw new Refusal(400, "invalid_state", "the state is malformed");
            }
            String cookie = cookie(request, STATE_COOKIE);
            PurchaseState purchase = cookie == null ? null : PurchaseState.open(seal, cookie);
            String problem = problem(cookie, purchase, state, config);
            if (cookie != null && (problem == null || !problem.startsWith(NEWER))) {
                clearState(response); // taken, forged or expired; a newer purchase's cookie is left alone
            }
            // What an earlier callback of this state completed with: null if this one takes it (see UsedStates).
            String earlier = problem == null ? used.take(purchase) : null;
            ownState = problem == null && earlier == null;
            String error = form.get("error");
            if (error != null) {
                // PROTOCOL.md section 10: the broker sends error=cancelled; any error means nothing was paid, so the
                // buyer goes back to the paywall, whatever else the form carries.
                if (problem != null) {
                    throw new Refusal(400, "invalid_state", sentence(problem) + ". Nothing was paid.");
                }
                response.setStatus(303);
                response.setHeader("Location", purchase.returnPath());
                return;
            }
            String token = form.get("token");
            if (token == null || token.isEmpty()) {
                throw new Refusal(400, "missing_token", "the form has no token");
            }
            Credential.Verified verified = verify(reader, credentials, token, request, ownState, config);
            if (problem == null && earlier != null && !earlier.equals(UsedStates.NO_SCRIP)
                    && !earlier.equals(verified.scrip().jti())) {
                problem = "this payment page's payment was completed already, with another payment";
            }
            if (problem != null) {
                guard.failed(request, config.clientLimits(), false);
                throw new Refusal(400, "invalid_state", sentence(problem) + ". " + returnBudget(verified.scrip(),
                        config));
            }
            long seconds = (verified.expiresAtMillis() - clock.millis()) / 1000;
            if (seconds < 1) {
                throw new Refusal(400, "expired_token", "the scrip has expired");
            }
            // This state's purchase completes with this scrip; the same again (the broker's form posted twice) is
            // answered alike, and pays once: the allowance holds only while the scrip's budget is whole.
            used.completed(purchase, verified.scrip().jti());
            response.addHeader("Set-Cookie", TollgateFilter.SCRIP_COOKIE + "=" + token + "; Max-Age=" + seconds
                    + "; Path=/; Secure; HttpOnly; SameSite=Lax");
            Allowance back = new Allowance(Allowance.BACK_FROM_BROKER, seconds() + ALLOWANCE_LIFETIME.toSeconds(),
                    purchase.priceMicros(), verified.scrip().budgetMicros(), BrowserSeal.digest(purchase.returnPath()),
                    verified.scrip().jti());
            response.addHeader("Set-Cookie", ALLOWANCE_COOKIE + "=" + back.seal(seal) + "; Max-Age="
                    + ALLOWANCE_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=Lax");
            sendReturnPage(response, purchase.returnPath(), config.sellerName());
        } catch (Refusal refusal) {
            refuse(request, response, refusal);
        } catch (FailedVerifications.TooManyFailures e) {
            response.setHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
            refuse(request, response, new Refusal(429, e.code().code(), sentence(e.getMessage()) + ". " + (ownState
                    ? "Your payment was not checked: reload this page then to complete it."
                    : "Nothing was paid here.")));
        } catch (RuntimeException e) {
            // A bug or an input no check foresaw: refuse rather than answer 500.
            LOG.warn("Could not complete a payment callback; refusing it", e);
            refuse(request, response, new Refusal(400, "invalid_callback", "the payment could not be completed"));
        }
    }

    private static final String NEWER = "this browser opened another payment page";

    /** Why the callback's state is not this browser's latest, unexpired one; {@code null} if it is. */
    private String problem(String cookie, PurchaseState purchase, String state, GatewayConfig config) {
        if (cookie == null) {
            return "this browser has no payment of " + config.sellerName() + " in progress for it: the payment page was"
                    + " opened in another browser, or more than " + STATE_LIFETIME.toMinutes() + " minutes ago, or its"
                    + " payment was completed already";
        }
        if (purchase == null) {
            return "this browser's payment cookie was not made by " + config.sellerName();
        }
        if (!MessageDigest.isEqual(purchase.state().getBytes(StandardCharsets.US_ASCII),
                state.getBytes(StandardCharsets.US_ASCII))) {
            return NEWER + " of " + config.sellerName() + " since: only the latest one can be completed";
        }
        if (seconds() >= purchase.expiresAt()) {
            return "this payment page had expired: it was opened more than " + STATE_LIFETIME.toMinutes()
                    + " minutes ago";
        }
        return null;
    }

    private static void clearState(HttpServletResponse response) {
        response.addHeader("Set-Cookie", STATE_COOKIE + "=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None");
    }

    private static String sentence(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /**
     * Reads the callback's token like scrip in the cookie, from the cache if it was read before. The address is
     * refused first if its callbacks keep failing (in the own-state bucket if {@code ownState}: see
     * {@link CallbackGuard}); a token that is not good scrip counts against it.
     */
    private Credential.Verified verify(CredentialReader reader, CredentialCache credentials, String token,
                                       HttpServletRequest request, boolean ownState, GatewayConfig config)
            throws Refusal, FailedVerifications.TooManyFailures {
        guard.check(request, config.clientLimits(), ownState);
        Credential credential;
        try {
            credential = reader.fromCallback(token, credentials);
        } catch (PaymentException e) {
            if (e.code() != ErrorCode.BROKER_UNAVAILABLE) { // the gateway's outage is no failure of the client
                guard.failed(request, config.clientLimits(), ownState);
            }
            throw new Refusal(400, e.code().code(), "the scrip could not be checked: " + e.getMessage());
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
        String broker = config.broker().name();
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
        return switch (canceller.cancel(scrip.jti())) {
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
        String href = Offers.escape(path);
        byte[] page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"refresh\" content=\"0;url=" + href + "\">\n"
                + "<title>Payment complete - " + Offers.escape(sellerName) + "</title>\n</head>\n<body>\n<main>\n"
                + "<h1>Payment complete</h1>\n<p><a href=\"" + href + "\">Continue to the page you paid for</a></p>\n"
                + "</main>\n</body>\n</html>\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Content-Security-Policy", "default-src 'none'");
        response.setContentType("text/html;charset=utf-8");
        response.setContentLength(page.length);
        response.getOutputStream().write(page);
    }

    /**
     * Reads a POSTed urlencoded form, at most {@link #MAX_BODY_BYTES}; another method, another type or a field given
     * twice is refused.
     */
    private static Map<String, String> form(HttpServletRequest request, String method, String what)
            throws Refusal, IOException {
        if (!method.equals("POST")) {
            throw new Refusal(405, "method_not_allowed", "the payment " + what + " takes only POST, from "
                    + (what.equals("callback") ? "the broker's payment page" : "the payment page's button"));
        }
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new Refusal(400, "invalid_" + what, "the " + what + " takes an application/x-www-form-urlencoded "
                    + "form");
        }
        if (request.getContentLengthLong() > MAX_BODY_BYTES) {
            throw new Refusal(400, "body_too_large", "the form is larger than " + MAX_BODY_BYTES + " bytes");
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new Refusal(400, "body_too_large", "the form is larger than " + MAX_BODY_BYTES + " bytes");
        }
        Map<String, String> fields = new HashMap<>();
        for (String pair : new String(body, StandardCharsets.US_ASCII).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, "invalid_" + what, "the form is not validly urlencoded");
            }
            if (fields.put(name, value) != null) {
                throw new Refusal(400, "invalid_" + what, "the form gives '" + printable(name) + "' twice");
            }
        }
        return fields;
    }

    private static String cookie(HttpServletRequest request, String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie cookie : cookies) {
            if (name.equals(cookie.getName())) {
                return cookie.getValue();
            }
        }
        return null;
    }

    private static void refuse(HttpServletRequest request, HttpServletResponse response, Refusal refusal)
            throws IOException {
        response.setStatus(refusal.status);
        if (refusal.status == 405) {
            response.setHeader("Allow", "POST");
        }
        byte[] body;
        String accept = request.getHeader("Accept");
        if (accept != null && accept.contains("application/json") && !accept.contains("text/html")) {
            response.setContentType("application/json");
            body = dev.tollgate.protocol.X402Codec.toJson(Map.of("error", refusal.code, "message",
                    refusal.getMessage()));
        } else {
            response.setContentType("text/html;charset=utf-8");
            body = Offers.problemPage(refusal.status == 405 ? "Method not allowed" : "Payment not completed",
                    refusal.getMessage(), refusal.code);
        }
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
    }

    /** A short, printable excerpt of something the client sent (never a token: only field names). */
    private static String printable(String value) {
        String cut = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
