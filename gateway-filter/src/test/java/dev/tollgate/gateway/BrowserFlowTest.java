package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The browser purchase flow: the 402 page's pay link, the state, and the broker's POST to the callback. */
final class BrowserFlowTest {

    private static final Pattern PAY_LINK = Pattern.compile("<a class=\"pay\" href=\"([^\"]+)\"[^>]*>([^<]+)</a>");
    private static final Pattern STATE_COOKIE = Pattern.compile(
            "__Host-tollgate_state=([A-Za-z0-9_-]+); Max-Age=600; Path=/; Secure; HttpOnly; SameSite=None");

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(GatewayHarness.RULES + String.join("\n",
                "  - match: /xss/**",
                "    price: 0.02",
                "    description: \"<script>alert('x')</script> & \\\"quotes\\\"\"",
                "")).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /** Opens a paywall as a browser; returns the page's state (from the cookie) after checking the link. */
    private String paywall(String pathAndQuery) throws Exception {
        HttpTester.Response page = gateway.get(pathAndQuery, "Accept", "text/html");
        assertThat(page.getStatus()).isEqualTo(402);
        Matcher cookie = STATE_COOKIE.matcher(String.join("\n", page.getValuesList("Set-Cookie")));
        assertThat(cookie.find()).isTrue();
        return cookie.group(1);
    }

    private HttpTester.Response callback(String state, String cookieState, String fields) throws Exception {
        return gateway.postForm(BrowserFlow.CALLBACK_PATH, fields + (state == null ? "" : "&state=" + state),
                cookieState == null ? new String[0] : new String[] {"Cookie", "__Host-tollgate_state=" + cookieState});
    }

    private static String token(String token) {
        return "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private String scripCookie(HttpTester.Response response) {
        return response.getValuesList("Set-Cookie").stream().filter(c -> c.startsWith("tollgate_scrip="))
                .findFirst().orElse(null);
    }

    @Test
    void thePaymentPageLinksToTheBrokersPayPageWithAFreshStateKeptInACookie() throws Exception {
        HttpTester.Response page = gateway.get("/articles/one?page=2", "Accept", "text/html");

        String body = gateway.body(page);
        Matcher link = PAY_LINK.matcher(body);
        assertThat(link.find()).isTrue();
        assertThat(link.group(2)).isEqualTo("Pay with Test Broker");
        String href = link.group(1).replace("&amp;", "&");
        String cookie = page.getValuesList("Set-Cookie").get(0);
        Matcher state = STATE_COOKIE.matcher(cookie);
        assertThat(state.find()).isTrue();
        assertThat(state.group(1)).hasSize(43);
        assertThat(href).isEqualTo("https://broker.test/pay?seller=seller-1"
                + "&return=http%3A%2F%2Fshop.test%2F.tollgate%2Fcallback&state=" + state.group(1)
                + "&price=50000&item=One+article");
        assertThat(cookie).startsWith("__Host-").contains("HttpOnly", "Secure", "SameSite=None", "Path=/;", "Max-Age=600");
        assertThat(body).contains("One article", "0.05 USD", "Each request costs 0.05 USD.", "PAYMENT-SIGNATURE");
        assertThat(paywall("/articles/one")).isNotEqualTo(state.group(1));
    }

    @Test
    void programsStillGetTheJsonOfferWithoutState() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(response.get("Content-Type")).startsWith("application/json");
        assertThat(response.getValuesList("Set-Cookie")).isEmpty();
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("payment_required");
    }

    @Test
    void theConfiguredOriginIsWhereTheBrokerReturnsTheBuyer() throws Exception {
        gateway.stop();
        gateway.extraSettings("  origin: https://shop.example:8443", "  pay-url: https://pay.broker.test/checkout")
                .writeConfig(GatewayHarness.RULES).start();

        String body = gateway.body(gateway.get("/articles/one", "Accept", "text/html"));

        assertThat(body).contains("href=\"https://pay.broker.test/checkout?seller=seller-1&amp;return="
                + "https%3A%2F%2Fshop.example%3A8443%2F.tollgate%2Fcallback&amp;state=");
    }

    @Test
    void aGoodCallbackSetsTheScripCookieAndReturnsToThePageWhichIsThenPaidFromIt() throws Exception {
        String state = paywall("/articles/one?page=2");
        String token = gateway.broker.scrip().budget("120000").sign();

        HttpTester.Response back = callback(state, state, token(token));

        assertThat(back.getStatus()).isEqualTo(303);
        assertThat(back.get("Location")).endsWith("/articles/one?page=2");
        assertThat(back.get("Location")).doesNotContain("//shop", "evil");
        String cookie = scripCookie(back);
        assertThat(cookie).startsWith("tollgate_scrip=" + token + ";")
                .contains("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=3600");
        assertThat(back.getValuesList("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("__Host-tollgate_state=;"));

        HttpTester.Response article = gateway.get("/articles/one?page=2", "Cookie", "tollgate_scrip=" + token);
        assertThat(article.getStatus()).isEqualTo(200);
        assertThat(article.get("X-Paid")).startsWith("50000 70000 buyer-1 ");
    }

    @Test
    void aStateIsUsedOnce() throws Exception {
        String state = paywall("/articles/one");
        String token = gateway.broker.scrip().sign();
        assertThat(callback(state, state, token(token)).getStatus()).isEqualTo(303);

        HttpTester.Response again = callback(state, state, token(token));

        assertThat(again.getStatus()).isEqualTo(400);
        assertThat(gateway.body(again)).contains("already completed", "invalid_state");
        assertThat(scripCookie(again)).isNull();
    }

    @Test
    void aStateMustMatchTheCookieAndBeKnown() throws Exception {
        String state = paywall("/articles/one");
        String other = paywall("/articles/two");
        String token = token(gateway.broker.scrip().sign());

        assertThat(gateway.body(callback(state, other, token))).contains("does not match");
        assertThat(gateway.body(callback(state, null, token))).contains("cookie is missing");
        assertThat(gateway.body(callback(null, state, token))).contains("no state");
        String forged = "A".repeat(43);
        assertThat(gateway.body(callback(forged, forged, token))).contains("expired or was already completed");
        assertThat(gateway.body(callback("short", "short", token))).contains("malformed");
        for (HttpTester.Response refused : List.of(callback(state, other, token), callback(null, state, token))) {
            assertThat(refused.getStatus()).isEqualTo(400);
            assertThat(scripCookie(refused)).isNull();
        }
        // The refusals consumed nothing: the right pair still works.
        assertThat(callback(state, state, token).getStatus()).isEqualTo(303);
    }

    @Test
    void aStateExpiresAfterTenMinutes() throws Exception {
        String state = paywall("/articles/one");
        gateway.clock.advance(Duration.ofMinutes(10).plusSeconds(1));

        HttpTester.Response late = callback(state, state, token(gateway.broker.scrip().sign()));

        assertThat(late.getStatus()).isEqualTo(400);
        assertThat(gateway.body(late)).contains("expired");
        assertThat(scripCookie(late)).isNull();
    }

    @Test
    void aBadTokenIsRefusedWithoutACookie() throws Exception {
        String state = paywall("/articles/one");

        HttpTester.Response bad = callback(state, state, token(gateway.broker.scrip().tamperedSignature()));

        assertThat(bad.getStatus()).isEqualTo(400);
        assertThat(bad.get("Content-Type")).startsWith("text/html");
        assertThat(gateway.body(bad)).contains("<h1>Payment not completed</h1>", "the scrip was refused");
        assertThat(scripCookie(bad)).isNull();
    }

    @Test
    void aTokenForAnotherSellerIsRefused() throws Exception {
        String state = paywall("/articles/one");

        HttpTester.Response response = callback(state, state,
                token(gateway.broker.scrip().audience("seller-2").sign()));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(gateway.body(response)).contains("wrong_audience");
        assertThat(scripCookie(response)).isNull();
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        String state = paywall("/articles/one");
        String token = gateway.broker.scrip().expiresAt(gateway.clock.instant().minusSeconds(5)).sign();

        HttpTester.Response response = callback(state, state, token(token));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(gateway.body(response)).contains("expired");
        assertThat(scripCookie(response)).isNull();
    }

    @Test
    void aCancelledPaymentReturnsToThePageWithoutACookie() throws Exception {
        String state = paywall("/articles/one?page=3");

        HttpTester.Response back = callback(state, state, "error=cancelled");

        assertThat(back.getStatus()).isEqualTo(303);
        assertThat(back.get("Location")).endsWith("/articles/one?page=3");
        assertThat(scripCookie(back)).isNull();
        assertThat(callback(state, state, "error=cancelled").getStatus()).isEqualTo(400);
    }

    @Test
    void anyBrokerErrorMeansNothingWasPaidEvenWithAToken() throws Exception {
        String state = paywall("/articles/one");

        HttpTester.Response back = callback(state, state, "error=server_error&" + token(gateway.broker.scrip().sign()));

        assertThat(back.getStatus()).isEqualTo(303);
        assertThat(back.get("Location")).endsWith("/articles/one");
        assertThat(scripCookie(back)).isNull();
    }

    @Test
    void programsGetJsonRefusals() throws Exception {
        String state = paywall("/articles/one");

        HttpTester.Response response = gateway.postForm(BrowserFlow.CALLBACK_PATH, "state=" + state + "&token=x.y.z",
                "Cookie", "__Host-tollgate_state=" + state, "Accept", "application/json");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.get("Content-Type")).startsWith("application/json");
        JsonNode json = new ObjectMapper().readTree(response.getContentBytes());
        assertThat(json.path("error").asText()).isNotEmpty();
        assertThat(json.path("message").asText()).startsWith("the scrip was refused").doesNotContain("x.y.z");
    }

    @Test
    void anOversizeFormIsRefused() throws Exception {
        String state = paywall("/articles/one");

        HttpTester.Response response = callback(state, state, "token=" + "a".repeat(BrowserFlow.MAX_BODY_BYTES));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(gateway.body(response)).contains("larger than 16384 bytes");
    }

    @Test
    void onlyPostIsAnswered() throws Exception {
        for (String method : List.of("GET", "PUT", "OPTIONS")) {
            HttpTester.Response response = gateway.request(method, BrowserFlow.CALLBACK_PATH);
            assertThat(response.getStatus()).isEqualTo(405);
            assertThat(response.get("Allow")).isEqualTo("POST");
        }
        HttpTester.Response json = gateway.request("GET", BrowserFlow.CALLBACK_PATH, "Accept", "application/json");
        assertThat(new ObjectMapper().readTree(json.getContentBytes()).path("error").asText())
                .isEqualTo("method_not_allowed");
    }

    @Test
    void itemDescriptionsAreEscapedOnThePaymentPage() throws Exception {
        HttpTester.Response page = gateway.get("/xss/one", "Accept", "text/html");

        String body = gateway.body(page);
        assertThat(body).doesNotContain("<script", "alert('x')")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;");
        Matcher link = PAY_LINK.matcher(body);
        assertThat(link.find()).isTrue();
        assertThat(link.group(1)).contains("&amp;item=%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E+%26+%22quotes%22");
    }

    @Test
    void whenTheCookieBudgetRunsOutThePageOffersATopUp() throws Exception {
        String token = gateway.broker.scrip().budget("60000").sign();
        String cookie = "tollgate_scrip=" + token;
        assertThat(gateway.get("/articles/one", "Cookie", cookie).getStatus()).isEqualTo(200);

        HttpTester.Response page = gateway.get("/articles/two", "Cookie", cookie, "Accept", "text/html");

        assertThat(page.getStatus()).isEqualTo(402);
        Matcher link = PAY_LINK.matcher(gateway.body(page));
        assertThat(link.find()).isTrue();
        assertThat(link.group(2)).isEqualTo("Top up");
        assertThat(gateway.body(page)).contains("has run out");
        HttpTester.Response fresh = gateway.get("/articles/two", "Accept", "text/html");
        Matcher first = PAY_LINK.matcher(gateway.body(fresh));
        assertThat(first.find()).isTrue();
        assertThat(first.group(2)).isEqualTo("Pay with Test Broker");
    }

    @Test
    void theItemSentToTheBrokerHasNoControlCharactersAndAtMost200() {
        assertThat(BrowserFlow.item("Two\nlines\tand\u007fmore")).isEqualTo("Two lines and more");
        assertThat(BrowserFlow.item("x".repeat(300))).hasSize(200);
        assertThat(BrowserFlow.item("x".repeat(199) + "\uD83D\uDE00")).hasSize(199);
    }

    @Test
    void theReturnPathIsAlwaysLocal() {
        assertThat(BrowserFlow.returnPath(request("/articles/one", "page=2"))).isEqualTo("/articles/one?page=2");
        assertThat(BrowserFlow.returnPath(request("//evil.test/articles", null))).isEqualTo("/");
        assertThat(BrowserFlow.returnPath(request("/\\evil.test/articles", null))).isEqualTo("/");
        assertThat(BrowserFlow.returnPath(request("/a\\b", null))).isEqualTo("/");
        assertThat(BrowserFlow.returnPath(request("https://evil.test/", null))).isEqualTo("/");
        assertThat(BrowserFlow.returnPath(request("/a", "x=\r\nLocation:%20evil"))).isEqualTo("/");
        assertThat(BrowserFlow.returnPath(request("/" + "a".repeat(3000), null))).isEqualTo("/");
    }

    /** A request with only a URI and a query: enough for the return path. */
    private static jakarta.servlet.http.HttpServletRequest request(String uri, String query) {
        return (jakarta.servlet.http.HttpServletRequest) java.lang.reflect.Proxy.newProxyInstance(
                BrowserFlowTest.class.getClassLoader(), new Class<?>[] {jakarta.servlet.http.HttpServletRequest.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getRequestURI" -> uri;
                    case "getQueryString" -> query;
                    case "getContextPath" -> "";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static String arrivalCookie(HttpTester.Response response) {
        return response.getValuesList("Set-Cookie").stream().filter(c -> c.startsWith("__Host-tollgate_arrival="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElse(null);
    }

    @Test
    void aNavigationFromAnotherSiteIsNotPaidFromTheCookieWithoutTheBuyersClick() throws Exception {
        String token = gateway.broker.scrip().budget("120000").sign();

        HttpTester.Response lured = gateway.get("/articles/one", "Cookie", "tollgate_scrip=" + token,
                "Sec-Fetch-Site", "cross-site", "Accept", "text/html");

        assertThat(lured.getStatus()).isEqualTo(402);
        assertThat(gateway.body(lured)).contains("Continue and pay 0.05 USD").contains("href=\"/articles/one\"")
                .doesNotContain("content of");
        HttpTester.Response clicked = gateway.get("/articles/one", "Cookie", "tollgate_scrip=" + token,
                "Sec-Fetch-Site", "same-origin", "Accept", "text/html");
        assertThat(clicked.getStatus()).isEqualTo(200);
        assertThat(clicked.get("X-Paid")).as("charged once, on the click").startsWith("50000 70000 ");
        assertThat(TollgateFilterTest.offerOf(gateway.get("/articles/two", "Cookie", "tollgate_scrip=" + token,
                "Sec-Fetch-Site", "same-site")).error()).isEqualTo("confirmation_required");
    }

    @Test
    void theWayBackFromTheBrokerIsPaidOnceAtMostAtThePriceTheBuyerSaw() throws Exception {
        String state = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("500000").sign();
        HttpTester.Response back = callback(state, state, token(token));
        String arrival = arrivalCookie(back);
        assertThat(arrival).isNotNull();
        assertThat(back.getValuesList("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("__Host-tollgate_arrival=")
                .contains("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=120"));
        String cookies = "tollgate_scrip=" + token + "; " + arrival;

        HttpTester.Response arrived = gateway.get("/articles/one", "Cookie", cookies, "Sec-Fetch-Site", "cross-site");
        HttpTester.Response again = gateway.get("/articles/one", "Cookie", cookies, "Sec-Fetch-Site", "cross-site");

        assertThat(arrived.getStatus()).isEqualTo(200);
        assertThat(TollgateFilterTest.offerOf(again).error()).as("the allowance is used once")
                .isEqualTo("confirmation_required");
    }

    @Test
    void aPriceRaisedWhileTheBuyerWasAtTheBrokerIsNotChargedOnTheWayBack() throws Exception {
        String state = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("5000000").sign();
        String arrival = arrivalCookie(callback(state, state, token(token)));
        gateway.writeConfig(GatewayHarness.RULES.replace("price: 0.05\n    description: One article",
                "price: 4.00\n    description: One article"));
        ConfigReloadTest.awaitTrue(() -> TollgateFilterTest.offerOf(gateway.get("/articles/other")).accepts().get(0)
                .amount().equals("4000000"));

        HttpTester.Response arrived = gateway.get("/articles/one", "Cookie", "tollgate_scrip=" + token + "; "
                + arrival, "Sec-Fetch-Site", "cross-site");

        assertThat(arrived.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(arrived).error()).isEqualTo("price_changed");
    }
}
