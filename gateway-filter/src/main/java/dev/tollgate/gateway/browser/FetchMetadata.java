package dev.tollgate.gateway.browser;

import jakarta.servlet.http.HttpServletRequest;

/**
 * How a request came about, read from its Fetch Metadata headers ({@code Sec-Fetch-Site}, {@code Sec-Fetch-Mode},
 * {@code Sec-Fetch-Dest}) and {@code Sec-Purpose}: whether paying it from the scrip cookie is what the person at the
 * browser asked for (PROTOCOL.md section 10, "Paying from the cookie"). What Chromium sends, measured:
 * <ul>
 *   <li>a link, a typed URL, a bookmark, reload, Back: {@code navigate}, {@code document}, site {@code same-origin}
 *       or {@code none}; reload and Back keep the site of the navigation that made the history entry;</li>
 *   <li>{@code <img>}, {@code fetch()}, {@code <iframe>}, {@code <video>}: another mode or destination;</li>
 *   <li>{@code <link rel=prefetch>}: {@code Sec-Purpose: prefetch}; speculation rules: {@code navigate},
 *       {@code document}, site {@code none} and {@code Sec-Purpose: prefetch} or {@code prefetch;prerender}.</li>
 * </ul>
 */
public enum FetchMetadata {

    /** A top-level navigation made on this site: a link here, a typed URL, a bookmark, reload or Back. */
    OWN_NAVIGATION,
    /** A top-level navigation that another site (or another subdomain of this one) started. */
    OTHER_SITE_NAVIGATION,
    /** Something a page loads or fetches: an image, a script's fetch, a frame, a video's ranges. */
    SUBRESOURCE,
    /** A page the browser loads ahead of any click (prefetch, prerender). */
    SPECULATIVE,
    /** No Fetch Metadata at all: an older browser, or a program that keeps cookies. */
    UNKNOWN;

    public static FetchMetadata of(HttpServletRequest request) {
        if (request.getHeader("Sec-Purpose") != null || "prefetch".equalsIgnoreCase(request.getHeader("Purpose"))
                || "prefetch".equalsIgnoreCase(request.getHeader("X-Moz"))
                || "preview".equalsIgnoreCase(request.getHeader("X-Purpose"))) {
            return SPECULATIVE;
        }
        String mode = request.getHeader("Sec-Fetch-Mode");
        String dest = request.getHeader("Sec-Fetch-Dest");
        String site = request.getHeader("Sec-Fetch-Site");
        if ((mode != null && !mode.equals("navigate")) || (dest != null && !dest.equals("document"))) {
            return SUBRESOURCE;
        }
        if (mode == null || dest == null || site == null) {
            return UNKNOWN; // none at all, or only part of it: nothing to go by
        }
        return site.equals("same-origin") || site.equals("none") ? OWN_NAVIGATION : OTHER_SITE_NAVIGATION;
    }

    /** Whether the request may open a purchase: a 402 page with a state and a pay link. */
    public boolean mayStartPurchase() {
        return this != SUBRESOURCE && this != SPECULATIVE;
    }
}
