package dev.tollgate.gateway;

import dev.tollgate.gateway.browser.FetchMetadata;
import java.util.Arrays;

/**
 * The Fetch Metadata headers Chromium sends for each kind of request, as measured with Chromium 156 (see
 * {@link FetchMetadata}); name, value pairs for {@link GatewayHarness#get}. Only the headers that matter are listed.
 */
public final class BrowserRequests {

    /** A click on a link of this site; also Chromium's reload or Back of a page this site navigated to. */
    public static final String[] CLICK_HERE = {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate",
            "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1"};
    /** Reload of a page this site navigated to (the page after "Payment complete"). */
    public static final String[] RELOAD_HERE = {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate",
            "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1", "Cache-Control", "max-age=0"};
    /** A typed URL or a bookmark. */
    static final String[] TYPED = {"Sec-Fetch-Site", "none", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest",
            "document", "Sec-Fetch-User", "?1"};
    /** A link on another site; also the reload of such a page. */
    public static final String[] FROM_OTHER_SITE = {"Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate",
            "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1"};
    /** A link on another subdomain of the site, or another port (the demo's broker). */
    static final String[] FROM_SAME_SITE = {"Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "navigate",
            "Sec-Fetch-Dest", "document", "Sec-Fetch-User", "?1"};
    /** {@code <img src>} on a page of this site. */
    static final String[] IMG = {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest",
            "image", "Accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"};
    /** A script's {@code fetch()} on a page of this site, asking for HTML. */
    static final String[] FETCH = {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest",
            "empty", "Accept", "text/html"};
    /** {@code <iframe src>} on a page of this site. */
    static final String[] IFRAME = {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest",
            "iframe", "Accept", "text/html"};
    /** A {@code <video>}'s range request, or the media document's after a navigation to the video. */
    static final String[] VIDEO = {"Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest",
            "video", "Range", "bytes=0-"};
    /** {@code <link rel=prefetch>}. */
    static final String[] LINK_PREFETCH = {"Sec-Purpose", "prefetch", "Sec-Fetch-Site", "same-origin",
            "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "empty"};
    /** A speculation rule's prefetch: a navigation in all but its purpose, from no site at all. */
    static final String[] SPECULATIVE_PREFETCH = {"Sec-Purpose", "prefetch", "Sec-Fetch-Site", "none",
            "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Accept", "text/html"};
    /** A speculation rule's prerender. */
    static final String[] PRERENDER = {"Sec-Purpose", "prefetch;prerender", "Sec-Fetch-Site", "none",
            "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document", "Accept", "text/html"};
    /** Nothing at all: an older browser, or a program that keeps cookies. */
    public static final String[] NO_METADATA = {};

    private BrowserRequests() {
    }

    /** {@code kind}'s headers with the scrip cookie (and {@code moreCookies}, if any) and {@code more} headers. */
    public static String[] withScrip(String[] kind, String token, String moreCookies, String... more) {
        String[] headers = Arrays.copyOf(kind, kind.length + 2 + more.length);
        headers[kind.length] = "Cookie";
        headers[kind.length + 1] = TollgateFilter.SCRIP_COOKIE + "=" + token
                + (moreCookies == null ? "" : "; " + moreCookies);
        System.arraycopy(more, 0, headers, kind.length + 2, more.length);
        return headers;
    }
}
