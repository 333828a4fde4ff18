package dev.tollgate.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.internal.PaymentException;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser purchase flow (PROTOCOL.md, "The gateway's callback"): the 402 page links to the broker's pay page
 * with a fresh {@code state}, remembered here with the page's local path and in the {@code __Host-tollgate_state} cookie;
 * the broker POSTs the scrip back to {@value #CALLBACK_PATH}, where the state must match both, once, within
 * {@link #STATE_LIFETIME}. Then the scrip is verified like any cookie scrip, set as the {@code tollgate_scrip}
 * cookie, and the buyer is sent back to the page. Thread-safe.
 */
final class BrowserFlow {

    /** Where the broker returns the buyer, within the filter's context. */
    static final String CALLBACK_PATH = "/.tollgate/callback";
    /**
     * {@code __Host-}: the browser keeps it only if this host set it over HTTPS with {@code Path=/} and no domain, so
     * a sibling subdomain, another port or a plain-HTTP attacker cannot plant a state of its own choosing.
     */
    static final String STATE_COOKIE = "__Host-tollgate_state";
    static final Duration STATE_LIFETIME = Duration.ofMinutes(10);
    /** A form with a token and a state is a few KiB; more is not a callback. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    /** Bounds the memory an anonymous client can make the gateway spend on states by viewing 402 pages. */
    static final long MAX_PENDING = 100_000;
    static final int MAX_ITEM_CHARS = 200;
    private static final int MAX_RETURN_PATH = 2048;
    private static final Pattern STATE = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final Logger LOG = LoggerFactory.getLogger(BrowserFlow.class);

    /** A 402 page's purchase in progress: where to return the buyer. */
    /**
     * {@code __Host-}, like the state cookie: marks the one navigation back from the broker, which arrives from
     * another site but was consented to there.
     */
    static final String ARRIVAL_COOKIE = "__Host-tollgate_arrival";
    static final Duration ARRIVAL_LIFETIME = Duration.ofMinutes(2);

    /** What the buyer was shown before consenting: the price, for the navigation back to the item. */
    private record Arrival(String returnPath, long priceMicros) {
    }

    private record Pending(String returnPath, long createdMillis, long priceMicros) {
    }

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
    private final Cache<String, Pending> pending;
    private final Cache<String, Arrival> arrivals;
    private final SecureRandom random = new SecureRandom();

    BrowserFlow(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
        this.pending = Caffeine.newBuilder()
                .maximumSize(MAX_PENDING)
                .expireAfterWrite(STATE_LIFETIME)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .build();
        this.arrivals = Caffeine.newBuilder()
                .maximumSize(MAX_PENDING)
                .expireAfterWrite(ARRIVAL_LIFETIME)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .build();
    }

    /**
     * Starts a purchase from a 402 page: remembers a fresh state with the request's local path, sets the state
     * cookie, and returns the broker's pay link for {@code rule}.
     */
    String start(HttpServletRequest request, HttpServletResponse response, GatewayConfig config, PriceRule rule) {
        String state = randomToken();
        pending.put(state, new Pending(returnPath(request), clock.millis(), rule.price().micros()));
        response.addHeader("Set-Cookie", STATE_COOKIE + "=" + state + "; Max-Age=" + STATE_LIFETIME.toSeconds()
                + "; Path=/; Secure; HttpOnly; SameSite=None");
        String item = item(rule.description().isEmpty() ? TollgateFilter.pathOf(request) : rule.description());
        String origin = config.sellerOrigin().map(Object::toString).orElseGet(() -> originOf(request));
        return config.broker().payUri() + "?seller=" + encode(config.sellerId())
                + "&return=" + encode(origin + request.getContextPath() + CALLBACK_PATH)
                + "&state=" + state
                + "&price=" + rule.price().microsString()
                + "&item=" + encode(item);
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Whether a request paid from the scrip cookie may be charged without a click: a navigation from another site
     * (a link, or a page that sends the buyer's browser to paid URLs) may not, since it would spend the buyer's
     * budget without the buyer asking; the one navigation back from the broker may, at most at the price the buyer
     * saw before consenting. Browsers name the initiator in {@code Sec-Fetch-Site}; a request without it (an older
     * browser, a program keeping cookies) is taken as the buyer's own.
     *
     * @return {@code null} if it may be charged {@code priceMicros}; otherwise why not
     */
    PaymentException checkCookieRequest(HttpServletRequest request, long priceMicros, String sellerName) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site == null || site.equals("same-origin") || site.equals("none")) {
            return null;
        }
        String token = cookie(request, ARRIVAL_COOKIE);
        Arrival arrival = token == null ? null : arrivals.asMap().remove(token);
        if (arrival == null || !arrival.returnPath().equals(returnPath(request))) {
            return new PaymentException(ErrorCode.CONFIRMATION_REQUIRED, "you came from another site: continue to "
                    + "pay this from the budget you gave " + sellerName);
        }
        if (priceMicros > arrival.priceMicros()) {
            return new PaymentException(ErrorCode.PRICE_CHANGED, "the price went up while you were at the broker");
        }
        return null;
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
     * protocol-relative ({@code //host}, {@code /\host}) URL; the context's root otherwise.
     */
    static String returnPath(HttpServletRequest request) {
        String query = request.getQueryString();
        String path = request.getRequestURI() + (query == null ? "" : "?" + query);
        boolean local = path.length() <= MAX_RETURN_PATH && path.startsWith("/")
                && !(path.length() > 1 && (path.charAt(1) == '/' || path.charAt(1) == '\\'));
        for (int i = 0; local && i < path.length(); i++) {
            char c = path.charAt(i);
            local = c > 0x20 && c < 0x7f && c != '\\';
        }
        return local ? path : request.getContextPath() + "/";
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

    /** Answers a request for {@link #CALLBACK_PATH}. Never throws for bad input: refusals are 400 or 405. */
    void callback(HttpServletRequest request, HttpServletResponse response, String method, CredentialReader reader,
                  CredentialCache credentials) throws IOException {
        response.setHeader(PaidResponse.CACHE_CONTROL, "no-store");
        try {
            if (!method.equals("POST")) {
                response.setHeader("Allow", "POST");
                throw new Refusal(405, "method_not_allowed", "the payment callback takes only POST, from the "
                        + "broker's payment page");
            }
            Map<String, String> form = form(request);
            Pending purchase = consumeState(request, response, form.get("state"));
            String error = form.get("error");
            String token = form.get("token");
            if (error != null) {
                // PROTOCOL.md section 10: the broker sends error=cancelled; any error means nothing was paid, so the
                // buyer goes back to the paywall, whatever else the form carries.
                response.setStatus(303);
                response.setHeader("Location", purchase.returnPath());
                return;
            }
            if (token == null || token.isEmpty()) {
                throw new Refusal(400, "missing_token", "the form has no token");
            }
            Credential credential;
            try {
                credential = reader.fromCookie(token);
            } catch (PaymentException e) {
                throw new Refusal(400, e.code().code(), "the scrip could not be checked: " + e.getMessage());
            }
            if (credential instanceof Credential.Rejected rejected) {
                throw new Refusal(400, rejected.code().code(), "the scrip was refused: " + rejected.message());
            }
            if (!(credential instanceof Credential.Verified verified)) {
                throw new Refusal(400, "invalid_token", "the token is not scrip");
            }
            long seconds = (verified.expiresAtMillis() - clock.millis()) / 1000;
            if (seconds < 1) {
                throw new Refusal(400, "expired_token", "the scrip has expired");
            }
            credentials.put(CredentialCache.key('C', token), credential); // the redirect then costs no verification
            response.addHeader("Set-Cookie", TollgateFilter.SCRIP_COOKIE + "=" + token + "; Max-Age=" + seconds
                    + "; Path=/; Secure; HttpOnly; SameSite=Lax");
            String arrival = randomToken();
            arrivals.put(arrival, new Arrival(purchase.returnPath(), purchase.priceMicros()));
            response.addHeader("Set-Cookie", ARRIVAL_COOKIE + "=" + arrival + "; Max-Age="
                    + ARRIVAL_LIFETIME.toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=Lax");
            response.setStatus(303);
            response.setHeader("Location", purchase.returnPath());
        } catch (Refusal refusal) {
            refuse(request, response, refusal);
        } catch (RuntimeException e) {
            // A bug or an input no check foresaw: refuse rather than answer 500.
            LOG.warn("Could not complete a payment callback; refusing it", e);
            refuse(request, response, new Refusal(400, "invalid_callback", "the payment could not be completed"));
        }
    }

    /** Checks the state against the cookie and the remembered purchases, consuming it; clears the cookie. */
    private Pending consumeState(HttpServletRequest request, HttpServletResponse response, String state)
            throws Refusal {
        if (state == null || state.isEmpty()) {
            throw new Refusal(400, "missing_state", "the form has no state");
        }
        if (!STATE.matcher(state).matches()) {
            throw new Refusal(400, "invalid_state", "the state is malformed");
        }
        String cookie = cookie(request, STATE_COOKIE);
        if (cookie == null) {
            throw new Refusal(400, "invalid_state", "the " + STATE_COOKIE + " cookie is missing: start again from "
                    + "the payment page in this browser");
        }
        if (!MessageDigest.isEqual(cookie.getBytes(StandardCharsets.US_ASCII),
                state.getBytes(StandardCharsets.US_ASCII))) {
            throw new Refusal(400, "invalid_state", "the state does not match this browser's payment");
        }
        response.addHeader("Set-Cookie", STATE_COOKIE + "=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=None");
        Pending purchase = pending.asMap().remove(state);
        if (purchase == null || clock.millis() - purchase.createdMillis() > STATE_LIFETIME.toMillis()) {
            throw new Refusal(400, "invalid_state", "the payment has expired or was already completed: start "
                    + "again from the payment page");
        }
        return purchase;
    }

    /** Reads the urlencoded form, at most {@link #MAX_BODY_BYTES}; a field given twice is refused. */
    private static Map<String, String> form(HttpServletRequest request) throws Refusal, IOException {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new Refusal(400, "invalid_callback", "the callback takes an application/x-www-form-urlencoded "
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
                throw new Refusal(400, "invalid_callback", "the form is not validly urlencoded");
            }
            if (fields.put(name, value) != null) {
                throw new Refusal(400, "invalid_callback", "the form gives '" + printable(name) + "' twice");
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
