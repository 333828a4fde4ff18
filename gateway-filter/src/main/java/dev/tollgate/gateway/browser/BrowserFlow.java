package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
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
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.settlement.ScripCanceller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
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
 *   <li>The broker POSTs the scrip back to {@value #CALLBACK_PATH} ({@link PurchaseCallback}), where the
 *       {@code state} must match that cookie within {@link #STATE_LIFETIME}. The scrip is verified like any cookie
 *       scrip and set in the {@value TollgateFilter#SCRIP_COOKIE} cookie, and a page of this site takes the buyer back
 *       to the item, so the item's history entry is this site's own: reload and Back are then the buyer's own
 *       navigations. A callback refused after the broker issued scrip closes that scrip in the ledger and cancels it
 *       at the broker ({@link ScripCanceller}); the page says what became of the budget.</li>
 *   <li>{@link #checkCookieRequest} decides whether a request may be paid from the cookie ({@link FetchMetadata},
 *       {@link Allowance}); "Continue and pay" posts to {@value #CONFIRM_PATH}.</li>
 * </ul>
 * Thread-safe.
 */
public final class BrowserFlow {

    /** Where the broker returns the buyer, within the filter's context. */
    public static final String CALLBACK_PATH = "/.tollgate/callback";
    /** Where "Continue and pay" posts, within the filter's context. */
    public static final String CONFIRM_PATH = "/.tollgate/confirm";
    /** Where a paywall's pass button posts ({@link #buyPass}), within the filter's context. */
    public static final String PASS_PATH = "/.tollgate/pass";
    /**
     * The request attribute under which the cookie check leaves the pass a request buys, back from the broker
     * ({@link ChosenPass}); absent when it pays for the item.
     */
    public static final String PASS_ATTRIBUTE = "dev.tollgate.gateway.pass";

    /**
     * A pass the buyer chose on the paywall and consented to at the broker: its id and the most it pays (the pass's
     * price when the paywall showed it). The scheme checks the rule still sells it at no more.
     */
    public record ChosenPass(String id, long capMicros) {
    }
    /**
     * {@code __Host-}: the browser keeps it only if this host set it over HTTPS with {@code Path=/} and no domain, so
     * a sibling subdomain, another port or a plain-HTTP attacker cannot plant a state of its own choosing.
     */
    public static final String STATE_COOKIE = "__Host-tollgate_state";
    /** {@code __Host-}, like the state cookie: carries an {@link Allowance}. */
    public static final String ALLOWANCE_COOKIE = "__Host-tollgate_allow";
    static final Duration STATE_LIFETIME = Duration.ofMinutes(10);
    /** How long an allowance set in the cookie lasts: the navigation it is for follows at once. */
    static final Duration ALLOWANCE_LIFETIME = Duration.ofMinutes(2);
    /** How long a "Continue and pay" button works. */
    public static final Duration CONFIRMATION_LIFETIME = Duration.ofMinutes(10);
    /** A form with a token and a state is a few KiB; more is not a callback. */
    public static final int MAX_BODY_BYTES = BrowserForm.MAX_BYTES;
    static final int MAX_ITEM_CHARS = 200;
    /** The request attribute under which a refused cookie payment leaves its "Continue and pay" allowance. */
    public static final String CONTINUE_ATTRIBUTE = "dev.tollgate.gateway.continue";
    private static final int MAX_RETURN_PATH = 2048;
    static final Pattern STATE = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final Logger LOG = LoggerFactory.getLogger(BrowserFlow.class);

    private final Clock clock;
    private final BrowserSeal seal;
    private final Ledger ledger;
    private final SecureRandom random = new SecureRandom();
    private final PurchaseCallback callback;

    /** @param cancellers by a scrip's issuer, who cancels scrip at its broker */
    public BrowserFlow(Clock clock, BrowserSeal seal, Ledger ledger, Function<String, ScripCanceller> cancellers,
                       CallbackGuard guard) {
        this.clock = Objects.requireNonNull(clock);
        this.seal = Objects.requireNonNull(seal);
        this.ledger = Objects.requireNonNull(ledger);
        this.callback = new PurchaseCallback(clock, seal, ledger, cancellers, guard);
    }

    /**
     * Starts a purchase from a 402 page: seals a fresh state with the price and the request's local path in the state
     * cookie, and returns the pay link of each broker {@code rule} accepts, in the config's order: the buyer pays at
     * one of them, and the callback takes scrip of any. Nothing is kept here.
     */
    public List<HtmlPages.PayLink> start(HttpServletRequest request, HttpServletResponse response,
                                         GatewayConfig config, PriceRule rule) {
        byte[] nonce = new byte[PurchaseState.NONCE_BYTES];
        random.nextBytes(nonce);
        PurchaseState state = new PurchaseState(nonce, seconds() + STATE_LIFETIME.toSeconds(), rule.price().micros(),
                returnPath(request));
        response.addHeader("Set-Cookie", STATE_COOKIE + "=" + state.seal(seal) + "; Max-Age="
                + STATE_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=None");
        String query = payQuery(request, config, state, rule.price().microsString(), rule.title().equals(rule.match())
                ? RequestPaths.pathOf(request) : rule.title());
        List<HtmlPages.PayLink> links = new ArrayList<>();
        for (GatewayConfig.Broker broker : config.brokers()) {
            if (rule.acceptsBroker(broker.id())) {
                links.add(new HtmlPages.PayLink(broker.name(), broker.id(), broker.issuer(), broker.payUri() + query));
            }
        }
        return links;
    }

    /** The query of a broker's pay page for {@code state}'s purchase of {@code item} at {@code price} micro-units. */
    private static String payQuery(HttpServletRequest request, GatewayConfig config, PurchaseState state,
                                   String price, String item) {
        String origin = config.sellerOrigin().map(Object::toString).orElseGet(() -> originOf(request));
        return "?seller=" + encode(config.sellerId())
                + "&return=" + encode(origin + request.getContextPath() + CALLBACK_PATH)
                + "&state=" + state.state()
                + "&price=" + price
                + "&item=" + encode(item(item));
    }

    /**
     * Answers {@value #PASS_PATH}: a paywall's pass button posts the page's {@code path} and the {@code pass} chosen
     * (and the {@code broker} id, else the rule's first broker). Seals a fresh state for the pass at its price, as
     * {@link #start} does for the item, and sends the buyer to the broker's pay page for it; back from there the
     * page's request buys the pass once. The pass must be one the page's rule sells; the charge checks it again.
     * Never throws for bad input.
     *
     * @param ruleOf the rule that prices a local path (without its query) for GET, or {@code null}
     */
    public void buyPass(HttpServletRequest request, HttpServletResponse response, String method, GatewayConfig config,
                        Function<String, PriceRule> ruleOf) throws IOException {
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        try {
            Map<String, String> form = passFields(request, method);
            String path = form.get("path");
            if (path == null || !isLocalPath(path)) {
                throw new Refusal(400, "invalid_pass_purchase", "this button was not made by this site");
            }
            int query = path.indexOf('?');
            PriceRule rule = ruleOf.apply(URLDecoder.decode(query < 0 ? path : path.substring(0, query),
                    StandardCharsets.UTF_8));
            Pass pass = rule == null || form.get("pass") == null ? null : rule.pass(form.get("pass"));
            if (pass == null) {
                throw new Refusal(400, "unknown_pass", "this page sells no such pass");
            }
            String brokerId = form.get("broker");
            GatewayConfig.Broker broker = config.brokers().stream().filter(b -> rule.acceptsBroker(b.id())
                    && (brokerId == null || b.id().equals(brokerId))).findFirst()
                    .orElseThrow(() -> new Refusal(400, "invalid_pass_purchase", "this page is not paid there"));
            byte[] nonce = new byte[PurchaseState.NONCE_BYTES];
            random.nextBytes(nonce);
            PurchaseState state = new PurchaseState(nonce, seconds() + STATE_LIFETIME.toSeconds(),
                    pass.price().micros(), path, pass.id());
            response.addHeader("Set-Cookie", STATE_COOKIE + "=" + state.seal(seal) + "; Max-Age="
                    + STATE_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=None");
            response.setStatus(303);
            response.setHeader("Location", broker.payUri() + payQuery(request, config, state,
                    pass.price().microsString(), pass.title()));
        } catch (Refusal refusal) {
            refuse(request, response, refusal);
        } catch (RuntimeException e) {
            LOG.warn("Could not read a pass purchase; refusing it", e);
            refuse(request, response, new Refusal(400, "invalid_pass_purchase", "the pass purchase could not be read"));
        }
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
    public PaymentException checkCookieRequest(HttpServletRequest request, Credential.Verified paid, long priceMicros,
                                               String sellerName) throws LedgerUnavailableException {
        FetchMetadata how = FetchMetadata.of(request);
        if (how == FetchMetadata.SUBRESOURCE || how == FetchMetadata.SPECULATIVE) {
            return new PaymentException(ErrorCode.CONFIRMATION_REQUIRED, "the budget you gave " + sellerName
                    + " pays only for pages you open yourself, not for " + (how == FetchMetadata.SUBRESOURCE
                    ? "what a page loads or fetches" : "pages your browser loads ahead of a click"));
        }
        String sealed = Cookies.value(request, ALLOWANCE_COOKIE);
        if (sealed == null && how == FetchMetadata.OWN_NAVIGATION) {
            return null; // the hot path: a click on this site
        }
        ScripAccount scrip = paid.scrip();
        String path = returnPath(request);
        long remaining = ledger.remaining(scrip);
        Allowance allowance = sealed == null ? null : Allowance.open(seal, sealed);
        if (allowance != null && allowance.covers(path, scrip.jti(), seconds())
                && allowance.remainingMicros() == remaining) {
            if (allowance.pass() != null) {
                request.setAttribute(PASS_ATTRIBUTE, new ChosenPass(allowance.pass(), allowance.capMicros()));
                return null;
            }
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
    public void confirm(HttpServletRequest request, HttpServletResponse response, String method) throws IOException {
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        try {
            Map<String, String> form = BrowserForm.post(request, method, "confirmation");
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
    public static String item(String description) {
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
    public static String returnPath(HttpServletRequest request) {
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
     * Answers a request for {@link #CALLBACK_PATH} ({@link PurchaseCallback}). Never throws for bad input.
     */
    public void callback(HttpServletRequest request, HttpServletResponse response, String method,
                         CredentialReader reader, CredentialCache credentials, GatewayConfig config)
            throws IOException {
        callback.answer(request, response, method, reader, credentials, config);
    }

    static void clearState(HttpServletResponse response) {
        response.addHeader("Set-Cookie", STATE_COOKIE + "=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None");
    }

    static String sentence(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /**
     * A pass purchase's fields: the built-in paywall's form (POST), or the link an app-rendered paywall shows
     * ({@link dev.tollgate.gateway.PaywallOffer}: GET with a query), followed only as a navigation the person made,
     * as a paywall's pay links are: what a page loads or the browser fetches ahead opens no purchase.
     */
    private static Map<String, String> passFields(HttpServletRequest request, String method) throws Refusal,
            IOException {
        if (!FetchMetadata.of(request).mayStartPurchase()) { // the form's POST too: a script's fetch buys nothing
            throw new Refusal(403, "invalid_pass_purchase", "a pass is bought from a paywall's button, not by "
                    + "what a page loads");
        }
        return method.equals("GET") ? BrowserForm.query(request, "pass purchase")
                : BrowserForm.post(request, method, "pass purchase");
    }

    static void refuse(HttpServletRequest request, HttpServletResponse response, Refusal refusal)
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
            response.setHeader("Content-Security-Policy", HtmlPages.CONTENT_SECURITY_POLICY);
            body = HtmlPages.problemPage(refusal.status == 405 ? "Method not allowed" : "Payment not completed",
                    refusal.getMessage(), refusal.code);
        }
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
    }
}
