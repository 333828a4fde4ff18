package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.browser.FreeReads;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The free allowance ({@code free: {count, per}}) through a real Jetty: a browser reads that many articles free per
 * period, counted only in its sealed cookie, then gets the paywall; a cookie it changed, or one of another seller,
 * counts as none, and programs and payments never use it.
 */
final class FreeAllowanceTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    free: {count: 3, per: 30d}",
            "  - match: /cached",
            "    price: 0.01",
            "  - match: /reports/**",
            "    price: 0.10",
            "    free: {count: 3, per: 7d, pool: reading}",
            "  - match: /briefs/**",
            "    price: 0.02",
            "    free: {count: 3, per: 7d, pool: reading}",
            "");
    static final String[] PAGE_LOAD = {"Accept", "text/html,application/xhtml+xml", "Sec-Fetch-Mode", "navigate",
            "Sec-Fetch-Dest", "document", "Sec-Fetch-Site", "none"};

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(RULES).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /** A browser: keeps the cookies the gateway sets, and sends them back. */
    final class Browser {
        final List<String> cookies = new ArrayList<>();

        HttpTester.Response open(String path) throws Exception {
            List<String> headers = new ArrayList<>(List.of(PAGE_LOAD));
            if (!cookies.isEmpty()) {
                headers.add("Cookie");
                headers.add(String.join("; ", cookies));
            }
            HttpTester.Response response = gateway.get(path, headers.toArray(String[]::new));
            String set = response.get("Set-Cookie");
            if (set != null) {
                String pair = set.substring(0, set.indexOf(';'));
                cookies.removeIf(c -> c.startsWith(pair.substring(0, pair.indexOf('=') + 1)));
                cookies.add(pair);
            }
            return response;
        }
    }

    @Test
    void aBrowserReadsTheAllowanceFreeThenGetsThePaywall() throws Exception {
        Browser browser = new Browser();
        for (int read = 1; read <= 3; read++) {
            HttpTester.Response response = browser.open("/articles/" + read);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(gateway.body(response)).contains("content of /articles/" + read);
            assertThat(response.get(FreeReads.LEFT_HEADER)).isEqualTo(Integer.toString(3 - read));
            assertThat(response.get("Cache-Control")).isEqualTo("private");
        }
        String cookie = browser.cookies.get(0);
        assertThat(cookie).startsWith(FreeReads.COOKIE_PREFIX);
        HttpTester.Response fourth = browser.open("/articles/4");
        assertThat(fourth.getStatus()).isEqualTo(402);
        assertThat(fourth.get(FreeReads.LEFT_HEADER)).isEqualTo("0");
        assertThat(gateway.body(fourth)).doesNotContain("content of /articles/4");
        // An article read free this period opens again without using the allowance.
        HttpTester.Response again = browser.open("/articles/2");
        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(again.get(FreeReads.LEFT_HEADER)).isEqualTo("0");
        assertThat(again.get("Set-Cookie")).isNull();
    }

    @Test
    void anAppThatGoesAsyncOnAFreeReadWritesThroughTheGatewaysResponseAndStaysPrivate() throws Exception {
        gateway.stop();
        gateway.serve("/articles/async/*", () -> new ServletHolder(new AsyncApp())).start();

        HttpTester.Response free = new Browser().open("/articles/async/one");

        assertThat(free.getStatus()).isEqualTo(200);
        assertThat(gateway.body(free)).isEqualTo("written after startAsync()");
        assertThat(free.get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        // Written through the container's own response, the app's public caching would reach a shared cache.
        assertThat(free.get("Cache-Control")).isEqualTo("private, max-age=3600");
    }

    /** An app that answers from another thread, through the response {@code startAsync()} hands it. */
    static final class AsyncApp extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                HttpServletResponse answer = (HttpServletResponse) async.getResponse();
                answer.setHeader("Cache-Control", "public, max-age=3600");
                try {
                    answer.getWriter().write("written after startAsync()");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                async.complete();
            });
        }
    }

    @Test
    void onASiteThatNamesItsItemsInTheQueryEachQueryIsAnItem() throws Exception {
        Browser browser = new Browser();
        for (int read = 1; read <= 3; read++) {
            assertThat(browser.open("/articles/show?id=" + read).getStatus()).isEqualTo(200);
        }

        assertThat(browser.open("/articles/show?id=4").getStatus()).isEqualTo(402);
        assertThat(browser.open("/articles/show").getStatus()).isEqualTo(402);
        assertThat(browser.open("/articles/show?id=2").getStatus()).isEqualTo(200);
    }

    @Test
    void theSetCookieIsHostOnlySecureHttpOnlyLaxAndLastsThePeriod() throws Exception {
        String set = new Browser().open("/articles/1").get("Set-Cookie");
        assertThat(set).startsWith(FreeReads.COOKIE_PREFIX)
                .contains("; Max-Age=" + Duration.ofDays(30).toSeconds() + "; Path=/; Secure; HttpOnly; SameSite=Lax")
                .doesNotContain("Domain");
        assertThat(set.substring(0, set.indexOf(';')).length()).isLessThan(500);
    }

    @Test
    void aChangedCookieCountsAsNone() throws Exception {
        Browser browser = usedUp();
        String used = browser.cookies.get(0);
        // A changed payload (the seal no longer matches) or a cut one opens as none: a fresh allowance, and the
        // used-up cookie replaced, not extended.
        String name = used.substring(0, used.indexOf('=') + 1);
        String value = used.substring(name.length());
        char first = value.charAt(0);
        String tampered = name + (first == 'A' ? 'B' : 'A') + value.substring(1);
        HttpTester.Response response = gateway.get("/articles/4", cookieHeaders(tampered));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        assertThat(gateway.get("/articles/4", cookieHeaders(name + value.substring(0, value.indexOf('.'))))
                .get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        assertThat(gateway.get("/articles/4", cookieHeaders(name + "x".repeat(8192))).get(FreeReads.LEFT_HEADER))
                .isEqualTo("2");
        // The untouched cookie still says the allowance is used up.
        assertThat(gateway.get("/articles/4", cookieHeaders(used)).getStatus()).isEqualTo(402);
    }

    @Test
    void anotherSellersCookieCountsAsNone() throws Exception {
        Browser browser = usedUp();
        String used = browser.cookies.get(0);
        gateway.stop();
        gateway.extraSettings("", "").writeConfig(RULES.replace("price: 0.05", "price: 0.05\n    id: other-rule"));
        gateway.start();
        // Another rule's name: the cookie is bound to the rule it counts, under its own name.
        HttpTester.Response response = gateway.get("/articles/4", cookieHeaders(used));
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        try (GatewayHarness other = new GatewayHarness(dir.resolve("other"))) {
            java.nio.file.Files.createDirectories(dir.resolve("other"));
            other.writeConfig(RULES).start();
            HttpTester.Response elsewhere = other.get("/articles/4", cookieHeaders(used));
            assertThat(elsewhere.getStatus()).isEqualTo(200);
            assertThat(elsewhere.get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        }
    }

    @Test
    void aNewPeriodBringsANewAllowance() throws Exception {
        Browser browser = usedUp();
        gateway.clock.advance(Duration.ofDays(30).minusSeconds(1));
        assertThat(browser.open("/articles/4").getStatus()).isEqualTo(402);
        gateway.clock.advance(Duration.ofSeconds(1));
        HttpTester.Response next = browser.open("/articles/4");
        assertThat(next.getStatus()).isEqualTo(200);
        assertThat(next.get(FreeReads.LEFT_HEADER)).isEqualTo("2");
    }

    @Test
    void rulesOfOnePoolShareOneCountAndOtherRulesKeepTheirOwn() throws Exception {
        Browser browser = new Browser();
        assertThat(browser.open("/reports/1").get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        assertThat(browser.open("/briefs/1").get(FreeReads.LEFT_HEADER)).isEqualTo("1");
        assertThat(browser.open("/reports/2").get(FreeReads.LEFT_HEADER)).isEqualTo("0");
        assertThat(browser.open("/briefs/2").getStatus()).isEqualTo(402);
        assertThat(browser.open("/reports/3").getStatus()).isEqualTo(402);
        assertThat(browser.open("/briefs/1").getStatus()).isEqualTo(200);
        HttpTester.Response article = browser.open("/articles/1");
        assertThat(article.getStatus()).isEqualTo(200);
        assertThat(article.get(FreeReads.LEFT_HEADER)).isEqualTo("2");
        assertThat(browser.cookies).filteredOn(c -> c.startsWith(FreeReads.COOKIE_PREFIX)).hasSize(2);
    }

    @Test
    void programsPaymentsSubresourcesAndPrefetchesNeverReadFree() throws Exception {
        assertThat(gateway.get("/articles/1").getStatus()).isEqualTo(402);
        // text/html without Fetch Metadata: not known to be a person's page load (every current browser sends it).
        assertThat(gateway.get("/articles/1", "Accept", "text/html").getStatus()).isEqualTo(402);
        assertThat(gateway.get("/articles/1", "Accept", "application/json").getStatus()).isEqualTo(402);
        assertThat(gateway.get("/articles/1", "Accept", "text/html", "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest",
                "image", "Sec-Fetch-Site", "same-origin").getStatus()).isEqualTo(402);
        assertThat(gateway.get("/articles/1", withPageLoad("Sec-Purpose", "prefetch")).getStatus()).isEqualTo(402);
        assertThat(gateway.request("HEAD", "/articles/1", PAGE_LOAD).getStatus()).isEqualTo(402);
        // A page load that pays is charged: the buyer asked to pay, and keeps the free reads.
        String token = gateway.broker.scrip().jti("j-free").budget("120000").sign();
        HttpTester.Response paid = gateway.get("/articles/1", withPageLoad(
                dev.tollgate.protocol.PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, 50_000)));
        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(paid.get(FreeReads.LEFT_HEADER)).isNull();
        assertThat(gateway.remaining("j-free", 120_000)).isEqualTo(70_000);
        // A rule without free: never free.
        assertThat(gateway.get("/cached", PAGE_LOAD).getStatus()).isEqualTo(402);
    }

    /** A browser that read its 3 free articles this period. */
    private Browser usedUp() throws Exception {
        Browser browser = new Browser();
        for (int read = 1; read <= 3; read++) {
            assertThat(browser.open("/articles/" + read).getStatus()).isEqualTo(200);
        }
        return browser;
    }

    private static String[] cookieHeaders(String cookie) {
        return withPageLoad("Cookie", cookie);
    }

    /** A browser's page load's headers, and one more. */
    private static String[] withPageLoad(String name, String value) {
        List<String> headers = new ArrayList<>(List.of(PAGE_LOAD));
        headers.add(name);
        headers.add(value);
        return headers.toArray(String[]::new);
    }
}
