package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.FreeAllowance;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.http.AsyncKeepsWrapper;
import dev.tollgate.gateway.http.Cookies;
import dev.tollgate.gateway.http.PaidResponse;
import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * A rule's free allowance ({@code free: {count, per}}; docs/CONFIG.md, "Free allowance"): a person's browser reads
 * {@code count} different items of the rule free per period, before the paywall. The gateway keeps nothing per
 * visitor: the count travels in a sealed {@code __Host-} cookie per rule ({@link FreeReadsCookie}), and a cookie that
 * does not open (changed, cut, another seller's or rule's) counts as none, as does a period that ended.
 *
 * <p>Only for a browser's page loads that carry no payment: a {@code GET} accepting {@code text/html} that its Fetch
 * Metadata says is a top-level navigation, not a subresource or a prefetch ({@link FetchMetadata}; every current
 * browser sends it), without {@code PAYMENT-SIGNATURE}, a repeat reference or the scrip cookie. A program that pays gets the offer it expects rather than a free answer it did not ask for; a
 * program that poses as a browser and drops the cookie reads free, like a person clearing cookies: the allowance is
 * a reader's convenience, not a payment, and a seller who cannot give that away leaves {@code free} out.
 *
 * <p>Costs a rule without {@code free} one check; with it, at most one base64 decoding and one HMAC over a cookie
 * bounded to {@link FreeReadsCookie#MAX_CHARS}, a SHA-256 of the path and query, and one more HMAC for a new item.
 * Thread-safe.
 */
public final class FreeReads {

    /** The response header that says how many free reads the period has left, on a free read and on the 402 after. */
    public static final String LEFT_HEADER = "Tollgate-Free-Left";
    /** The cookie of one rule is this prefix and 16 hex digits naming the rule ({@link #cookieName}). */
    public static final String COOKIE_PREFIX = "__Host-tollgate_free_";
    static final String KEY_FILE = "free-reads-key";
    /** How far a period's start may lie ahead of the clock before the cookie counts as none (a clock set back). */
    private static final long FUTURE_SECONDS = 60;

    private final BrowserSeal seal;
    private final Clock clock;

    FreeReads(BrowserSeal seal, Clock clock) {
        this.seal = seal;
        this.clock = clock;
    }

    /**
     * Reads the key from {@code <dataDir>/free-reads-key}, or generates one there (owner-only, as the browser key).
     * Gateway nodes of one site share it; deleting it gives every browser a new allowance.
     */
    public static FreeReads open(Path dataDir, Clock clock) throws IOException {
        return new FreeReads(BrowserSeal.loadOrCreate(dataDir.resolve(KEY_FILE), "the free reads key",
                "delete it (every browser then gets a new free allowance)"), clock);
    }

    /**
     * Serves the request free when its rule has a free allowance and this browser has a read of it left, or reads
     * again an item it read free this period; returns whether it did. Otherwise sets {@link #LEFT_HEADER} to 0 when
     * the allowance is used up, and leaves the request to the payment.
     *
     * @param path the path the rule matched, which with the raw query names the item
     */
    public boolean served(HttpServletRequest request, HttpServletResponse response, PriceRule rule, String path,
                          String sellerId, FilterChain chain) throws IOException, ServletException {
        FreeAllowance free = rule.free().orElse(null);
        if (free == null || !mayReadFree(request)) {
            return false;
        }
        String ruleKey = free.pool().map(pool -> "pool " + pool).orElse(rule.id().orElse(rule.match()));
        long scope = FreeReadsCookie.hash(sellerId + '\n' + ruleKey);
        String name = cookieName(ruleKey);
        Instant now = clock.instant();
        FreeReadsCookie period = FreeReadsCookie.open(seal, scope, Cookies.value(request, name));
        if (period == null || now.getEpochSecond() >= period.periodStartSeconds + free.per().toSeconds()
                || period.periodStartSeconds > now.getEpochSecond() + FUTURE_SECONDS) {
            period = FreeReadsCookie.fresh(now);
        }
        // The query is part of the item: on a site addressing articles as /article?id=N, each id is one.
        String query = request.getQueryString();
        long item = FreeReadsCookie.hash(query == null ? path : path + '?' + query);
        if (!period.contains(item)) {
            if (period.read() >= free.count()) {
                response.setHeader(LEFT_HEADER, "0");
                return false;
            }
            period = period.with(item);
            long left = period.periodStartSeconds + free.per().toSeconds() - now.getEpochSecond();
            response.addHeader("Set-Cookie", name + "=" + period.seal(seal, scope) + "; Max-Age=" + left
                    + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        }
        response.setHeader(LEFT_HEADER, Integer.toString(free.count() - period.read()));
        // As a paid answer: kept private (a shared cache would hand it to every reader) and varying by the cookie.
        AsyncKeepsWrapper.forward(chain, request, new PaidResponse(response, null, null));
        return true;
    }

    /** The cookie an allowance is kept in: one per rule, or per pool of rules, so each counts its own items. */
    static String cookieName(String ruleKey) {
        return COOKIE_PREFIX + String.format("%016x", FreeReadsCookie.hash(ruleKey));
    }

    private static boolean mayReadFree(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        FetchMetadata fetch = FetchMetadata.of(request);
        return "GET".equals(request.getMethod()) && accept != null && accept.contains("text/html")
                && (fetch == FetchMetadata.OWN_NAVIGATION || fetch == FetchMetadata.OTHER_SITE_NAVIGATION)
                && request.getHeader(PaymentHeaders.PAYMENT_SIGNATURE) == null
                && request.getHeader(PaymentHeaders.TOLLGATE_REFERENCE) == null
                && request.getHeader(PaymentHeaders.TOLLGATE_PAYWORD) == null
                && Cookies.value(request, TollgateFilter.SCRIP_COOKIE) == null;
    }
}
