package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.browser.BrowserSeal;
import dev.tollgate.gateway.browser.PurchaseState;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser purchase flow: the 402 page's pay link, the sealed state, the broker's POST to the callback, the way
 * back to the item, and what a refused callback does with the scrip the broker issued.
 */
final class BrowserFlowTest {

    static final Pattern PAY_LINK = Pattern.compile("<a class=\"pay\" href=\"([^\"]+)\"[^>]*>([^<]+)</a>");
    private static final Pattern STATE_COOKIE = Pattern.compile(
            "__Host-tollgate_state=([A-Za-z0-9_.-]+); Max-Age=600; Path=/; Secure; HttpOnly; SameSite=None");
    private static final Pattern STATE_PARAM = Pattern.compile("&amp;state=([A-Za-z0-9_-]+)&amp;");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private CancelEndpoint broker;

    @BeforeEach
    void start() throws Exception {
        broker = new CancelEndpoint();
        gateway = new GatewayHarness(dir).extraSettings("", broker.setting()).writeConfig(GatewayHarness.RULES
                + String.join("\n",
                "  - match: /xss/**",
                "    price: 0.02",
                "    description: \"<script>alert('x')</script> & \\\"quotes\\\"\"",
                "")).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        broker.close();
    }

    /** What a browser holds after viewing a paywall: the state sent to the broker and the sealed cookie. */
    record Paywall(String state, String cookie) {
        String cookieHeader() {
            return BrowserFlow.STATE_COOKIE + "=" + cookie;
        }
    }

    /** Opens a paywall as a browser. */
    private Paywall paywall(String pathAndQuery) throws Exception {
        HttpTester.Response page = gateway.get(pathAndQuery, "Accept", "text/html");
        assertThat(page.getStatus()).isEqualTo(402);
        Matcher cookie = STATE_COOKIE.matcher(String.join("\n", page.getValuesList("Set-Cookie")));
        assertThat(cookie.find()).isTrue();
        Matcher state = STATE_PARAM.matcher(gateway.body(page));
        assertThat(state.find()).isTrue();
        return new Paywall(state.group(1), cookie.group(1));
    }

    private HttpTester.Response callback(String state, String cookie, String fields) throws Exception {
        return gateway.postForm(BrowserFlow.CALLBACK_PATH, fields + (state == null ? "" : "&state=" + state),
                cookie == null ? new String[0] : new String[] {"Cookie", cookie});
    }

    private HttpTester.Response callback(Paywall paywall, String fields) throws Exception {
        return callback(paywall.state(), paywall.cookieHeader(), fields);
    }

    private static String token(String token) {
        return "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    static String jtiOf(String token) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1])).path("jti").asText();
    }

    private static String setCookie(HttpTester.Response response, String name) {
        return response.getValuesList("Set-Cookie").stream().filter(c -> c.startsWith(name + "="))
                .findFirst().orElse(null);
    }

    private static String scripCookie(HttpTester.Response response) {
        return setCookie(response, TollgateFilter.SCRIP_COOKIE);
    }

    /** The allowance cookie set by {@code response}, as a browser sends it back. */
    static String allowanceCookie(HttpTester.Response response) {
        String set = setCookie(response, BrowserFlow.ALLOWANCE_COOKIE);
        return set == null ? null : set.substring(0, set.indexOf(';'));
    }

    // --- the paywall and its state ----------------------------------------------------------------------------

    @Test
    void thePaymentPageLinksToTheBrokersPayPageWithAFreshStateSealedInACookie() throws Exception {
        HttpTester.Response page = gateway.get("/articles/one?page=2", "Accept", "text/html");

        String body = gateway.body(page);
        Matcher link = PAY_LINK.matcher(body);
        assertThat(link.find()).isTrue();
        assertThat(link.group(2)).isEqualTo("Pay 0.05 USD with Test Broker");
        String href = link.group(1).replace("&amp;", "&");
        String cookie = page.getValuesList("Set-Cookie").get(0);
        Matcher sealed = STATE_COOKIE.matcher(cookie);
        assertThat(sealed.find()).isTrue();
        PurchaseState state = PurchaseState.open(BrowserSeal.loadOrCreate(dir.resolve("data")), sealed.group(1));
        assertThat(state.returnPath()).isEqualTo("/articles/one?page=2");
        assertThat(state.priceMicros()).isEqualTo(50_000);
        assertThat(state.expiresAt()).isEqualTo(gateway.clock.instant().getEpochSecond() + 600);
        assertThat(state.state()).hasSize(43);
        assertThat(href).isEqualTo("https://broker.test/pay?seller=seller-1"
                + "&return=http%3A%2F%2Fshop.test%2F.tollgate%2Fcallback&state=" + state.state()
                + "&price=50000&item=One+article");
        assertThat(cookie).startsWith("__Host-").contains("HttpOnly", "Secure", "SameSite=None", "Path=/;", "Max-Age=600");
        assertThat(body).contains("One article", "0.05 USD", "0.05 USD for this page", "PAYMENT-SIGNATURE");
        assertThat(paywall("/articles/one").state()).isNotEqualTo(state.state());
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
    void aFloodOfAnonymousPaywallViewsLeavesAnEarlierPurchaseToComplete() throws Exception {
        Paywall early = paywall("/articles/early");

        for (int i = 0; i < 1_000; i++) {
            HttpTester.Response view = gateway.get("/articles/flood-" + i + "?q=" + "x".repeat(1_500), "Accept",
                    "text/html");
            assertThat(view.getStatus()).isEqualTo(402);
        }

        HttpTester.Response back = callback(early, token(gateway.broker.scrip().sign()));
        assertThat(back.getStatus()).isEqualTo(200);
        assertThat(scripCookie(back)).isNotNull();
    }

    @Test
    void aPurchaseStartedBeforeARestartCompletesAfterItBecauseItsStateLivesInTheBrowser() throws Exception {
        Paywall paywall = paywall("/articles/one?page=4");
        gateway.stop();
        gateway.start();

        HttpTester.Response back = callback(paywall, token(gateway.broker.scrip().sign()));

        assertThat(back.getStatus()).isEqualTo(200);
        assertThat(gateway.body(back)).contains("url=/articles/one?page=4");
        assertThat(scripCookie(back)).isNotNull();
    }

    // --- the callback -----------------------------------------------------------------------------------------

    @Test
    void aGoodCallbackSetsTheScripCookieAndAPageOfThisSiteTakesTheBuyerBack() throws Exception {
        Paywall paywall = paywall("/articles/one?page=2&x=%3Cy%3E");
        String token = gateway.broker.scrip().budget("120000").sign();

        HttpTester.Response back = callback(paywall, token(token));

        assertThat(back.getStatus()).isEqualTo(200);
        assertThat(back.get("Location")).isNull();
        assertThat(gateway.body(back)).contains("<meta http-equiv=\"refresh\" content=\"0;url=/articles/one?page=2&amp;"
                + "x=%3Cy%3E\">", "<a href=\"/articles/one?page=2&amp;x=%3Cy%3E\">").doesNotContain("<script");
        assertThat(back.get("Cache-Control")).isEqualTo("no-store");
        assertThat(back.get("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(scripCookie(back)).startsWith("__Host-tollgate_scrip=" + token + ";")
                .contains("Path=/;", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=3600").doesNotContain("Domain");
        assertThat(back.getValuesList("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("__Host-tollgate_state=;"));

        HttpTester.Response article = gateway.get("/articles/one?page=2&x=%3Cy%3E", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, allowanceCookie(back)));
        assertThat(article.getStatus()).isEqualTo(200);
        assertThat(article.get("X-Paid")).startsWith("50000 70000 buyer-1 ");
        assertThat(broker.received()).isEmpty();
    }

    @Test
    void theScripCookieHasTheHostPrefixAndTheOldNamePaysNothing() throws Exception {
        String token = gateway.broker.scrip().sign();

        HttpTester.Response old = gateway.get("/articles/one", BrowserRequests.CLICK_HERE[0],
                BrowserRequests.CLICK_HERE[1], "Cookie", "tollgate_scrip=" + token);

        assertThat(TollgateFilter.SCRIP_COOKIE).isEqualTo("__Host-tollgate_scrip");
        assertThat(TollgateFilterTest.offerOf(old).error()).isEqualTo("payment_required");
    }

    @Test
    void aCompletedCallbackReplayedByTheBrowserIsRefusedAndChargesNothingMore() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("120000").sign();
        HttpTester.Response back = callback(paywall, token(token));
        assertThat(gateway.get("/articles/one", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE, token,
                allowanceCookie(back))).getStatus()).isEqualTo(200);

        // The browser dropped the state cookie when the callback cleared it.
        HttpTester.Response replayed = callback(paywall.state(), null, token(token));

        assertThat(replayed.getStatus()).isEqualTo(400);
        assertThat(gateway.body(replayed)).contains("was completed already", "used here already",
                "nothing more was charged", "invalid_state");
        assertThat(scripCookie(replayed)).isNull();
        assertThat(broker.received()).as("scrip in use is never cancelled").isEmpty();
    }

    /**
     * Back, then the broker's form posted again, before the item was charged: the state cookie is gone, but this very
     * (state, scrip) pair completed its purchase, so its scrip, in the browser's cookie, is neither closed nor
     * cancelled, and the purchase still completes. (Noticed in the sixth review of issue 9.)
     */
    @Test
    void theCompletedFormPostedAgainWithoutItsCookieBeforeTheItemWasChargedKeepsThePurchase() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("120000").sign();
        HttpTester.Response back = callback(paywall, token(token));

        HttpTester.Response again = callback(paywall.state(), null, token(token));

        assertThat(again.getStatus()).isEqualTo(400);
        assertThat(gateway.body(again)).contains("completed already", "nothing more was charged");
        assertThat(broker.received()).as("the purchase's scrip is not cancelled").isEmpty();
        assertThat(gateway.get("/articles/one", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE, token,
                allowanceCookie(back))).getStatus()).as("and it still pays").isEqualTo(200);
        String other = gateway.broker.scrip().budget("120000").sign();
        assertThat(callback(paywall.state(), null, token(other)).getStatus()).isEqualTo(400);
        assertThat(broker.cancelled()).as("other scrip with that state is returned").containsExactly(jtiOf(other));
    }

    @Test
    void aCallbackReplayedWithItsStateCookieAndItsScripIsAnsweredAlikeAndGainsNoSecondPayment() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("500000").sign();
        String allowance = allowanceCookie(callback(paywall, token(token)));
        assertThat(gateway.get("/articles/one", BrowserRequests.withScrip(BrowserRequests.NO_METADATA, token,
                allowance)).getStatus()).isEqualTo(200);

        // The broker's hand-back form posted again (a client that keeps the state cookie the callback cleared).
        HttpTester.Response replayed = callback(paywall, token(token));

        assertThat(replayed.getStatus()).isEqualTo(200);
        assertThat(allowanceCookie(replayed)).as("the same allowance as the first time").isEqualTo(allowance);
        assertThat(TollgateFilterTest.offerOf(gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowanceCookie(replayed)))).error())
                .as("it pays only while the budget is whole").isEqualTo("confirmation_required");
        assertThat(broker.received()).isEmpty();
    }

    /**
     * The broker hands the scrip back by an auto-submitted form with a visible button, and answers a repeated Allow
     * with the same token and state, so the same callback can arrive twice with the state cookie still set (the button
     * clicked during the auto-submit, a double click) before the first answer came back. The second is answered like
     * the first: its scrip is neither closed here nor cancelled at the broker. (Found in the fourth review of issue 9.)
     */
    @Test
    void theBrokersHandBackFormPostedTwiceBeforeTheFirstAnswerArrivedKeepsThePurchase() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("500000").sign();

        HttpTester.Response first = callback(paywall, token(token));
        HttpTester.Response second = callback(paywall, token(token)); // sent before the first answer came back

        assertThat(first.getStatus()).isEqualTo(200);
        assertThat(second.getStatus()).isEqualTo(200);
        assertThat(broker.received()).as("the scrip of a completed purchase is not cancelled").isEmpty();
        HttpTester.Response arrived = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, allowanceCookie(first)));
        assertThat(arrived.getStatus()).as("the purchase completes: " + gateway.body(arrived)).isEqualTo(200);
    }

    @Test
    void aStateThatCompletedAPurchaseCompletesNoOtherAndTheOtherScripIsReturned() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String first = gateway.broker.scrip().budget("500000").sign();
        assertThat(callback(paywall, token(first)).getStatus()).isEqualTo(200);
        String other = gateway.broker.scrip().budget("500000").sign();

        HttpTester.Response refused = callback(paywall, token(other));

        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(gateway.body(refused)).contains("completed already, with another payment", "invalid_state",
                "the budget you allowed was returned");
        assertThat(scripCookie(refused)).isNull();
        assertThat(broker.cancelled()).containsExactly(jtiOf(other));
    }

    @Test
    void aStateOfAnotherPageOrBrowserIsRefusedAndTheScripReturnedAtTheBroker() throws Exception {
        Paywall first = paywall("/articles/one");
        Paywall later = paywall("/articles/two");
        String token = gateway.broker.scrip().sign();

        HttpTester.Response refused = callback(first.state(), later.cookieHeader(), token(token));

        assertThat(refused.getStatus()).isEqualTo(400);
        assertThat(gateway.body(refused)).contains("opened another payment page of Test Seller since",
                "Nothing was charged, and the budget you allowed was returned to your account at Test Broker");
        assertThat(scripCookie(refused)).isNull();
        assertThat(refused.getValuesList("Set-Cookie")).as("the later purchase stays possible").isEmpty();
        assertThat(broker.cancelled()).containsExactly(jtiOf(token));
        CancelEndpoint.Received cancel = broker.received().get(0);
        assertThat(cancel.header().path("typ").asText()).isEqualTo("tollgate-cancel+jwt");
        assertThat(cancel.header().path("alg").asText()).isEqualTo("EdDSA");
        assertThat(cancel.claims().path("iss").asText()).isEqualTo("seller-1");
        assertThat(cancel.claims().path("aud").asText()).isEqualTo("https://broker.test");
        assertThat(cancel.claims().path("exp").asLong() - cancel.claims().path("iat").asLong()).isEqualTo(60);
        // The later purchase completes.
        assertThat(callback(later, token(gateway.broker.scrip().sign())).getStatus()).isEqualTo(200);
    }

    @Test
    void missingForgedAndMalformedStatesAreRefused() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String sealed = paywall.cookie();
        String forged = sealed.substring(0, 10) + (sealed.charAt(10) == 'A' ? 'B' : 'A') + sealed.substring(11);
        BrowserSeal otherKey = BrowserSeal.loadOrCreate(dir.resolve("other-gateway"));
        String otherGateways = new PurchaseState(new byte[32], Long.MAX_VALUE, 1, "/articles/one").seal(otherKey);

        assertThat(gateway.body(callback(paywall.state(), null, token(gateway.broker.scrip().sign()))))
                .contains("no payment of Test Seller in progress");
        assertThat(gateway.body(callback(paywall.state(), BrowserFlow.STATE_COOKIE + "=" + forged,
                token(gateway.broker.scrip().sign())))).contains("payment cookie was not made by Test Seller");
        assertThat(gateway.body(callback(paywall.state(), BrowserFlow.STATE_COOKIE + "=" + otherGateways,
                token(gateway.broker.scrip().sign())))).contains("payment cookie was not made by Test Seller");
        assertThat(gateway.body(callback(null, paywall.cookieHeader(), token(gateway.broker.scrip().sign()))))
                .contains("no state");
        assertThat(gateway.body(callback("short", paywall.cookieHeader(), token(gateway.broker.scrip().sign()))))
                .contains("malformed");
        assertThat(broker.received()).as("each refused scrip with a readable state problem is cancelled").hasSize(3);
        // The refusals changed nothing: the browser's own pair still works.
        assertThat(callback(paywall, token(gateway.broker.scrip().sign())).getStatus()).isEqualTo(200);
    }

    @Test
    void aStateExpiresAfterTenMinutesAndTheScripIsReturned() throws Exception {
        Paywall paywall = paywall("/articles/one");
        gateway.clock.advance(Duration.ofMinutes(10).plusSeconds(1));
        String token = gateway.broker.scrip().sign();

        HttpTester.Response late = callback(paywall, token(token));

        assertThat(late.getStatus()).isEqualTo(400);
        assertThat(gateway.body(late)).contains("This payment page had expired", "was returned to your account");
        assertThat(scripCookie(late)).isNull();
        assertThat(late.getValuesList("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("__Host-tollgate_state=;"));
        assertThat(broker.cancelled()).containsExactly(jtiOf(token));
    }

    @Test
    void aRefusedScripIsClosedHereBeforeItIsCancelledSoItCanNeverBeChargedHere() throws Exception {
        String token = gateway.broker.scrip().budget("500000").sign();

        HttpTester.Response refused = callback(paywall("/articles/one").state(), null, token(token));

        assertThat(gateway.body(refused)).contains("was returned to your account");
        HttpTester.Response spent = gateway.paidGet("/articles/two", token, 50_000);
        assertThat(spent.getStatus()).as("no content for scrip whose budget went back").isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(spent).error()).isEqualTo("insufficient_budget");
    }

    @Test
    void scripAlreadyChargedHereIsNeverCancelled() throws Exception {
        String token = gateway.broker.scrip().budget("500000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);

        HttpTester.Response refused = callback(paywall("/articles/two").state(), null, token(token));

        assertThat(gateway.body(refused)).contains("used here already").doesNotContain("returned");
        assertThat(broker.received()).isEmpty();
        assertThat(gateway.paidGet("/articles/three", token, 50_000).getStatus()).isEqualTo(200);
    }

    @Test
    void aCancelTheBrokerCannotTakeNowIsRetriedUntilItDoes() throws Exception {
        broker.answer(503);
        String token = gateway.broker.scrip().sign();

        HttpTester.Response refused = callback(paywall("/articles/one").state(), null, token(token));

        assertThat(gateway.body(refused)).contains("is being returned to your account at Test Broker");
        assertThat(broker.cancelled()).containsExactly(jtiOf(token));
        broker.answer(200);
        ConfigReloadTest.awaitTrue(() -> broker.received().size() >= 2);
        assertThat(broker.cancelled()).containsOnly(jtiOf(token));
    }

    @Test
    void scripTheBrokerWillNotReturnIsNotRetried() throws Exception {
        broker.answer(409);

        HttpTester.Response refused = callback(paywall("/articles/one").state(), null,
                token(gateway.broker.scrip().sign()));

        assertThat(gateway.body(refused)).contains("Test Broker returns the budget you allowed after it expires");
        assertThat(broker.received()).hasSize(1);
    }

    @Test
    void aBadTokenIsRefusedWithoutACookieOrACancel() throws Exception {
        Paywall paywall = paywall("/articles/one");

        HttpTester.Response bad = callback(paywall, token(gateway.broker.scrip().tamperedSignature()));

        assertThat(bad.getStatus()).isEqualTo(400);
        assertThat(bad.get("Content-Type")).startsWith("text/html");
        assertThat(gateway.body(bad)).contains("<h1>Payment not completed</h1>", "the scrip was refused");
        assertThat(scripCookie(bad)).isNull();
        assertThat(broker.received()).isEmpty();
    }

    @Test
    void aTokenForAnotherSellerIsRefused() throws Exception {
        Paywall paywall = paywall("/articles/one");

        HttpTester.Response response = callback(paywall, token(gateway.broker.scrip().audience("seller-2").sign()));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(gateway.body(response)).contains("wrong_audience");
        assertThat(scripCookie(response)).isNull();
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().expiresAt(gateway.clock.instant().minusSeconds(5)).sign();

        HttpTester.Response response = callback(paywall, token(token));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(gateway.body(response)).contains("expired");
        assertThat(scripCookie(response)).isNull();
    }

    @Test
    void aCancelledPaymentReturnsToThePageWithoutACookie() throws Exception {
        Paywall paywall = paywall("/articles/one?page=3");

        HttpTester.Response back = callback(paywall, "error=cancelled");

        assertThat(back.getStatus()).isEqualTo(303);
        assertThat(back.get("Location")).endsWith("/articles/one?page=3");
        assertThat(scripCookie(back)).isNull();
        assertThat(back.getValuesList("Set-Cookie")).anySatisfy(c -> assertThat(c).startsWith("__Host-tollgate_state=;"));
        HttpTester.Response replayed = callback(paywall.state(), null, "error=cancelled");
        assertThat(replayed.getStatus()).isEqualTo(400);
        assertThat(gateway.body(replayed)).contains("Nothing was paid");
        assertThat(broker.received()).isEmpty();
    }

    @Test
    void anyBrokerErrorMeansNothingWasPaidEvenWithAToken() throws Exception {
        Paywall paywall = paywall("/articles/one");

        HttpTester.Response back = callback(paywall, "error=server_error&" + token(gateway.broker.scrip().sign()));

        assertThat(back.getStatus()).isEqualTo(303);
        assertThat(back.get("Location")).endsWith("/articles/one");
        assertThat(scripCookie(back)).isNull();
    }

    @Test
    void programsGetJsonRefusals() throws Exception {
        Paywall paywall = paywall("/articles/one");

        HttpTester.Response response = gateway.postForm(BrowserFlow.CALLBACK_PATH, "state=" + paywall.state()
                + "&token=x.y.z", "Cookie", paywall.cookieHeader(), "Accept", "application/json");

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.get("Content-Type")).startsWith("application/json");
        JsonNode json = new ObjectMapper().readTree(response.getContentBytes());
        assertThat(json.path("error").asText()).isNotEmpty();
        assertThat(json.path("message").asText()).startsWith("the scrip was refused").doesNotContain("x.y.z");
    }

    @Test
    void anOversizeFormIsRefused() throws Exception {
        Paywall paywall = paywall("/articles/one");

        HttpTester.Response response = callback(paywall, "token=" + "a".repeat(BrowserFlow.MAX_BODY_BYTES));

        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(gateway.body(response)).contains("larger than 16384 bytes");
    }

    @Test
    void onlyPostIsAnswered() throws Exception {
        for (String path : List.of(BrowserFlow.CALLBACK_PATH, BrowserFlow.CONFIRM_PATH)) {
            for (String method : List.of("GET", "PUT", "OPTIONS")) {
                HttpTester.Response response = gateway.request(method, path);
                assertThat(response.getStatus()).isEqualTo(405);
                assertThat(response.get("Allow")).isEqualTo("POST");
            }
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
        assertThat(gateway.get("/articles/one", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE, token, null))
                .getStatus()).isEqualTo(200);

        HttpTester.Response page = gateway.get("/articles/two", BrowserRequests.withScrip(BrowserRequests.CLICK_HERE,
                token, null, "Accept", "text/html"));

        assertThat(page.getStatus()).isEqualTo(402);
        Matcher link = PAY_LINK.matcher(gateway.body(page));
        assertThat(link.find()).isTrue();
        assertThat(link.group(2)).isEqualTo("Top up");
        assertThat(gateway.body(page)).contains("has run out");
        HttpTester.Response fresh = gateway.get("/articles/two", "Accept", "text/html");
        Matcher first = PAY_LINK.matcher(gateway.body(fresh));
        assertThat(first.find()).isTrue();
        assertThat(first.group(2)).isEqualTo("Pay 0.05 USD with Test Broker");
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

    // --- the way back from the broker ---------------------------------------------------------------------------

    @Test
    void theWayBackIsTheBuyersOwnNavigationSoItsReloadIsToo() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("500000").sign();
        String allowance = allowanceCookie(callback(paywall, token(token)));

        // What Chromium sends after the return page's refresh, then for reload and Back of that entry.
        HttpTester.Response arrived = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, allowance));
        HttpTester.Response reloaded = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.RELOAD_HERE, token, allowance, "Accept", "text/html"));
        HttpTester.Response back = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, null, "Accept", "text/html"));

        assertThat(arrived.get("X-Paid")).startsWith("50000 450000 ");
        assertThat(reloaded.getStatus()).isEqualTo(200);
        assertThat(reloaded.get("X-Paid")).as("a re-read is charged like a click").startsWith("50000 400000 ");
        assertThat(back.getStatus()).isEqualTo(200);
        // Only another site's navigation is called one.
        HttpTester.Response lured = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.FROM_OTHER_SITE, token, null, "Accept", "text/html"));
        assertThat(gateway.body(lured)).contains("This page was opened from another site");
    }

    @Test
    void theWayBackIsPaidOnceWithoutFetchMetadataAtMostAtThePriceTheBuyerSaw() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("500000").sign();
        HttpTester.Response back = callback(paywall, token(token));
        assertThat(setCookie(back, BrowserFlow.ALLOWANCE_COOKIE))
                .contains("Path=/;", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=120");
        String allowance = allowanceCookie(back);

        HttpTester.Response arrived = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowance));
        HttpTester.Response again = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowance));
        HttpTester.Response elsewhere = gateway.get("/articles/two", BrowserRequests.withScrip(
                BrowserRequests.NO_METADATA, token, allowance));

        assertThat(arrived.getStatus()).isEqualTo(200);
        assertThat(TollgateFilterTest.offerOf(again).error()).as("the allowance is used once")
                .isEqualTo("confirmation_required");
        assertThat(TollgateFilterTest.offerOf(elsewhere).error()).as("for its page only")
                .isEqualTo("confirmation_required");
    }

    @Test
    void aPriceRaisedWhileTheBuyerWasAtTheBrokerIsNotChargedOnTheWayBack() throws Exception {
        Paywall paywall = paywall("/articles/one");
        String token = gateway.broker.scrip().budget("5000000").sign();
        String allowance = allowanceCookie(callback(paywall, token(token)));
        gateway.writeConfig(GatewayHarness.RULES.replace("price: 0.05\n    description: One article",
                "price: 4.00\n    description: One article"));
        ConfigReloadTest.awaitTrue(() -> TollgateFilterTest.offerOf(gateway.get("/articles/other")).accepts().get(0)
                .amount().equals("4000000"));

        HttpTester.Response arrived = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, allowance));

        assertThat(arrived.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(arrived).error()).isEqualTo("price_changed");
    }
}
