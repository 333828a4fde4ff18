package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.browser.BrowserFlow;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which requests the scrip cookie pays for: only a top-level navigation the person made on this site, or one they
 * confirmed; never what a page loads or fetches, nor what the browser loads ahead. Each request carries the headers
 * Chromium sends for its kind ({@link BrowserRequests}).
 */
final class CookiePaymentTest {

    private static final Pattern CONTINUE = Pattern.compile("<form method=\"post\" action=\"([^\"]+)\">\\n"
            + "<input type=\"hidden\" name=\"allowance\" value=\"([^\"]+)\">\\n"
            + "<input type=\"hidden\" name=\"path\" value=\"([^\"]+)\">");

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private String token;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(GatewayHarness.RULES + String.join("\n",
                "  - match: /videos/**",
                "    price: 0.10",
                "    charge: per-stream",
                "    window: 1h",
                "")).start();
        token = gateway.broker.scrip().budget("1000000").sign();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpTester.Response get(String path, String[] kind, String... more) throws Exception {
        return gateway.get(path, BrowserRequests.withScrip(kind, token, null, more));
    }

    /** What is left on the scrip: read from a charge-free request's receipt is not possible, so from the ledger. */
    private long remaining() throws Exception {
        return gateway.filter.ledger().remaining(new dev.tollgate.gateway.ledger.ScripAccount(
                dev.tollgate.gateway.testing.TestBroker.ISSUER, BrowserFlowTest.jtiOf(token),
                dev.tollgate.gateway.testing.TestBroker.BUYER, dev.tollgate.gateway.testing.TestBroker.SELLER,
                1_000_000, "USD", gateway.clock.instant().plusSeconds(3600)));
    }

    @Test
    void onlyANavigationThePersonMadeOnThisSiteIsPaidFromTheCookie() throws Exception {
        Map<String, String[]> kinds = new LinkedHashMap<>();
        kinds.put("click", BrowserRequests.CLICK_HERE);
        kinds.put("reload", BrowserRequests.RELOAD_HERE);
        kinds.put("typed", BrowserRequests.TYPED);
        kinds.put("img", BrowserRequests.IMG);
        kinds.put("fetch", BrowserRequests.FETCH);
        kinds.put("iframe", BrowserRequests.IFRAME);
        kinds.put("link-prefetch", BrowserRequests.LINK_PREFETCH);
        kinds.put("speculative-prefetch", BrowserRequests.SPECULATIVE_PREFETCH);
        kinds.put("prerender", BrowserRequests.PRERENDER);
        kinds.put("other-site", BrowserRequests.FROM_OTHER_SITE);
        kinds.put("same-site", BrowserRequests.FROM_SAME_SITE);
        kinds.put("no-metadata", BrowserRequests.NO_METADATA);
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> kind : kinds.entrySet()) {
            HttpTester.Response response = get("/articles/" + kind.getKey(), kind.getValue());
            statuses.put(kind.getKey(), response.getStatus());
            if (response.getStatus() == 402) {
                assertThat(gateway.body(response)).doesNotContain("content of");
                assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("confirmation_required");
            }
        }

        assertThat(statuses).containsExactly(Map.entry("click", 200), Map.entry("reload", 200),
                Map.entry("typed", 200), Map.entry("img", 402), Map.entry("fetch", 402), Map.entry("iframe", 402),
                Map.entry("link-prefetch", 402), Map.entry("speculative-prefetch", 402), Map.entry("prerender", 402),
                Map.entry("other-site", 402), Map.entry("same-site", 402), Map.entry("no-metadata", 402));
        assertThat(remaining()).as("three charges").isEqualTo(1_000_000 - 3 * 50_000);
    }

    @Test
    void aScriptsFetchOfAPaidPageGetsNeitherTheContentNorAPurchase() throws Exception {
        HttpTester.Response fetched = get("/articles/one", BrowserRequests.FETCH);

        assertThat(fetched.getStatus()).isEqualTo(402);
        assertThat(gateway.body(fetched)).contains("pays only for pages you open yourself, not for what a page loads")
                .doesNotContain("content of", "Continue and pay", "class=\"pay\"");
        assertThat(fetched.getValuesList("Set-Cookie")).as("no state to replace the buyer's").isEmpty();
        HttpTester.Response prerendered = get("/articles/one", BrowserRequests.PRERENDER);
        assertThat(gateway.body(prerendered)).contains("pages your browser loads ahead of a click");
        assertThat(prerendered.getValuesList("Set-Cookie")).isEmpty();
        assertThat(gateway.get("/articles/one", BrowserRequests.SPECULATIVE_PREFETCH).getValuesList("Set-Cookie"))
                .as("nor does an anonymous prefetch start a purchase").isEmpty();
        assertThat(remaining()).isEqualTo(1_000_000);
    }

    @Test
    void aVideosRangesPassOnItsEntitlementButNeverBuyIt() throws Exception {
        HttpTester.Response embedded = get("/videos/a.mp4", BrowserRequests.VIDEO);
        HttpTester.Response opened = get("/videos/a.mp4", BrowserRequests.CLICK_HERE);
        HttpTester.Response ranges = get("/videos/a.mp4", BrowserRequests.VIDEO);

        assertThat(TollgateFilterTest.offerOf(embedded).error()).isEqualTo("confirmation_required");
        assertThat(opened.getStatus()).isEqualTo(200);
        assertThat(ranges.getStatus()).isEqualTo(200);
        assertThat(remaining()).as("one charge, on the navigation").isEqualTo(1_000_000 - 100_000);
    }

    @Test
    void continueAndPayPaysTheConfirmedPageOnceEvenWithoutFetchMetadata() throws Exception {
        HttpTester.Response page = get("/articles/one?page=2", BrowserRequests.NO_METADATA, "Accept", "text/html");
        String body = gateway.body(page);
        assertThat(body).contains("Your browser did not say how this page was opened", "Continue and pay 0.05 USD")
                .doesNotContain("Pay with");
        assertThat(page.getValuesList("Set-Cookie")).isEmpty();
        Matcher form = CONTINUE.matcher(body);
        assertThat(form.find()).isTrue();
        assertThat(form.group(1)).isEqualTo("/.tollgate/confirm");
        assertThat(form.group(3)).isEqualTo("/articles/one?page=2");

        HttpTester.Response confirmed = gateway.postForm(form.group(1), "allowance=" + form.group(2) + "&path="
                + java.net.URLEncoder.encode(form.group(3).replace("&amp;", "&"), "UTF-8"));
        assertThat(confirmed.getStatus()).isEqualTo(303);
        assertThat(confirmed.get("Location")).isEqualTo("/articles/one?page=2");
        String allowance = BrowserFlowTest.allowanceCookie(confirmed);
        HttpTester.Response paid = gateway.get("/articles/one?page=2", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowance));
        HttpTester.Response again = gateway.get("/articles/one?page=2", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowance));

        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(TollgateFilterTest.offerOf(again).error()).isEqualTo("confirmation_required");
        assertThat(remaining()).isEqualTo(1_000_000 - 50_000);
    }

    @Test
    void aNavigationFromAnotherSiteIsPaidAfterTheBuyersClick() throws Exception {
        HttpTester.Response lured = get("/articles/one", BrowserRequests.FROM_OTHER_SITE, "Accept", "text/html");
        assertThat(gateway.body(lured)).contains("This page was opened from another site: continue to pay it from the"
                + " budget you gave Test Seller", "Continue and pay 0.05 USD").doesNotContain("content of");
        Matcher form = CONTINUE.matcher(gateway.body(lured));
        assertThat(form.find()).isTrue();

        HttpTester.Response confirmed = gateway.postForm(form.group(1), "allowance=" + form.group(2)
                + "&path=/articles/one", "Sec-Fetch-Site", "same-origin");
        // Chromium's GET after that redirect is this site's own navigation.
        HttpTester.Response paid = gateway.get("/articles/one", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE,
                token, BrowserFlowTest.allowanceCookie(confirmed)));

        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(paid.get("X-Paid")).startsWith("50000 950000 ");
    }

    @Test
    void anAllowanceOfAnotherBuyerOrPageOrAForgedOnePaysNothing() throws Exception {
        Matcher form = CONTINUE.matcher(gateway.body(get("/articles/one", BrowserRequests.NO_METADATA, "Accept",
                "text/html")));
        assertThat(form.find()).isTrue();
        String allowance = BrowserFlowTest.allowanceCookie(gateway.postForm(form.group(1), "allowance="
                + form.group(2) + "&path=/articles/one"));
        String otherBuyer = gateway.broker.scrip().budget("1000000").sign();

        assertThat(TollgateFilterTest.offerOf(gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, otherBuyer, allowance))).error()).isEqualTo("confirmation_required");
        assertThat(TollgateFilterTest.offerOf(gateway.get("/articles/two", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowance))).error()).isEqualTo("confirmation_required");
        assertThat(gateway.postForm(form.group(1), "allowance=" + form.group(2) + "&path=/articles/two")
                .getStatus()).isEqualTo(400);
        assertThat(gateway.postForm(form.group(1), "allowance=x" + form.group(2) + "&path=/articles/one")
                .getStatus()).isEqualTo(400);
        assertThat(gateway.postForm(form.group(1), "allowance=" + form.group(2) + "&path=//evil.test/articles/one")
                .getStatus()).isEqualTo(400);
        assertThat(remaining()).isEqualTo(1_000_000);
    }

    @Test
    void anExpiredContinueButtonLeadsBackToThePageWhichAsksAgain() throws Exception {
        Matcher form = CONTINUE.matcher(gateway.body(get("/articles/one", BrowserRequests.NO_METADATA, "Accept",
                "text/html")));
        assertThat(form.find()).isTrue();
        gateway.clock.advance(BrowserFlow.CONFIRMATION_LIFETIME.plusSeconds(1));

        HttpTester.Response late = gateway.postForm(form.group(1), "allowance=" + form.group(2)
                + "&path=/articles/one");

        assertThat(late.getStatus()).isEqualTo(303);
        assertThat(BrowserFlowTest.allowanceCookie(late)).isNull();
    }
}
