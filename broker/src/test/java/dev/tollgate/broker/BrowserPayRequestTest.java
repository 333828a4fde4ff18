package dev.tollgate.broker;

import static dev.tollgate.broker.BrowserClient.payParams;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.BrowserClient.Page;

/** {@code GET /pay}: every parameter is checked first; a bad request gets an HTML 400 page and never a redirect. */
final class BrowserPayRequestTest {

    @TempDir
    Path dir;

    private Broker broker;
    private BrowserClient browser;

    @BeforeEach
    void start() {
        broker = TestBrokers.startDemo(dir);
        broker.registerSeller(Seller.of("local-shop", "Local Shop", TestBrokers.newSellerKey(),
                List.of("http://127.0.0.1:8443", "https://shop.example")));
        browser = new BrowserClient(broker);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://evil.example/.tollgate/callback",
        "https://news.example.evil.example/.tollgate/callback",
        "https://news.example:8443/.tollgate/callback",
        "https://news.example@evil.example/.tollgate/callback",
        "https://evil.example@news.example/.tollgate/callback",
        "https://news.example%40evil.example/",
        "javascript:alert(document.cookie)",
        "JavaScript://news.example/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/.tollgate/callback",
        "/\\evil.example/",
        "https:/\\evil.example/",
        "https://news.example\\@evil.example/",
        "http://news.example/.tollgate/callback",
        "/.tollgate/callback",
        "news.example/.tollgate/callback",
        "https://news.example/.tollgate/callback#fragment",
        " https://news.example/.tollgate/callback",
        "https://news.example/.tollgate/callback\r\nSet-Cookie: x=y",
        ""})
    void aReturnAddressOffTheSellersRegisteredOriginsIsRefusedWithoutARedirect(String returnUrl) {
        Page page = browser.pay(payParams(Map.of("return", returnUrl)));

        assertThat(page.status()).isEqualTo(400);
        assertThat(page.header("Location")).isNull();
        assertThat(page.body()).contains("not on a site registered by the seller").doesNotContain("<form");
        assertThat(page.header("Content-Type")).startsWith("text/html");
    }

    @Test
    void plainHttpIsAcceptedOnlyForALoopbackOriginTheSellerRegistered() {
        Map<String, String> local = new HashMap<>(Map.of("seller", "local-shop"));

        local.put("return", "http://127.0.0.1:8443/.tollgate/callback");
        assertThat(browser.pay(payParams(local)).status()).isEqualTo(200);
        local.put("return", "http://127.0.0.1:8444/.tollgate/callback");
        assertThat(browser.pay(payParams(local)).status()).isEqualTo(400);
        local.put("return", "https://shop.example:443/.tollgate/callback?next=%2Farticles%2Fa");
        assertThat(browser.pay(payParams(local)).status()).as("explicit default port").isEqualTo(200);
        local.put("return", "https://SHOP.example/.tollgate/callback");
        assertThat(browser.pay(payParams(local)).status()).as("host case").isEqualTo(200);
        local.put("return", RETURN_OF_OTHER_SELLER);
        assertThat(browser.pay(payParams(local)).status()).as("another seller's origin").isEqualTo(400);
    }

    private static final String RETURN_OF_OTHER_SELLER = BrowserClient.RETURN;

    @Test
    void anUnknownOrMissingSellerIsRefused() {
        assertThat(browser.pay(payParams(Map.of("seller", "no-such-seller"))).body())
                .contains("not registered at this broker");
        Map<String, String> missing = payParams(Map.of());
        missing.remove("seller");
        assertThat(browser.pay(missing).status()).isEqualTo(400);
        assertThat(browser.pay(payParams(Map.of("seller", "<b>"))).status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "short", "fifteen-chars-x", "has space in it 123", "has/slash/0123456789",
        "ümlaut0123456789"})
    void aMalformedStateIsRefused(String state) {
        Page page = browser.pay(payParams(Map.of("state", state)));

        assertThat(page.status()).isEqualTo(400);
        assertThat(page.body()).contains("state must be 16 to 128");
    }

    @Test
    void aStateOf16And128CharactersIsAcceptedAnd129IsNot() {
        assertThat(browser.pay(payParams(Map.of("state", "a".repeat(16)))).status()).isEqualTo(200);
        assertThat(browser.pay(payParams(Map.of("state", "A_-9".repeat(32)))).status()).isEqualTo(200);
        assertThat(browser.pay(payParams(Map.of("state", "a".repeat(129)))).status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "1.5", "0x10", "1e6", "100000001", "99999999999999999999", " 5"})
    void aMalformedOrTooLargePriceIsRefused(String price) {
        Page page = browser.pay(payParams(Map.of("price", price)));

        assertThat(page.status()).isEqualTo(400);
        assertThat(page.body()).contains("price must be whole micro-units");
    }

    @Test
    void aFreeItemAndTheLargestPriceAreAccepted() {
        assertThat(browser.pay(payParams(Map.of("price", "0"))).status()).isEqualTo(200);
        assertThat(browser.pay(payParams(Map.of("price", "100000000"))).status()).isEqualTo(200);
    }

    @Test
    void anItemOfMoreThan200CharactersOrWithControlCharactersIsRefused() {
        assertThat(browser.pay(payParams(Map.of("item", "x".repeat(200)))).status()).isEqualTo(200);
        assertThat(browser.pay(payParams(Map.of("item", "x".repeat(201)))).status()).isEqualTo(400);
        assertThat(browser.pay(payParams(Map.of("item", "line\nbreak"))).status()).isEqualTo(400);
    }

    @Test
    void aParameterGivenTwiceOrBadlyEncodedIsRefused() {
        String query = PageHttp.encode(payParams(Map.of()));

        assertThat(browser.get("/pay?" + query + "&return=https%3A%2F%2Fevil.example%2F").status()).isEqualTo(400);
        Page badlyEncoded = browser.postRaw("/pay/login", query + "&x=%zz");
        assertThat(badlyEncoded.status()).isEqualTo(400);
    }

    @Test
    void everyPageCarriesTheSecurityHeaders() {
        for (Page page : List.of(browser.pay(payParams(Map.of())),
                browser.pay(payParams(Map.of("return", "https://evil.example/"))), browser.get("/pay/nothing"))) {
            String csp = page.header("Content-Security-Policy");
            assertThat(csp).contains("default-src 'none'").contains("style-src 'self'")
                    .contains("frame-ancestors 'none'").contains("form-action 'self'")
                    .doesNotContain("unsafe-inline").doesNotContain("script-src");
            assertThat(page.header("Cache-Control")).isEqualTo("no-store");
            assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
            assertThat(page.body()).doesNotContain("style=").doesNotContain("<style").doesNotContain("<script");
        }
        assertThat(browser.pay(payParams(Map.of())).header("Content-Security-Policy"))
                .contains("form-action 'self' https://news.example;");
        assertThat(browser.pay(payParams(Map.of("return", "https://evil.example/")))
                .header("Content-Security-Policy")).doesNotContain("evil");
    }

    @Test
    void theStylesheetIsServedAsCss() {
        Page css = browser.get(Html.STYLESHEET_PATH);

        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type")).startsWith("text/css");
        assertThat(css.body()).contains("body{");
    }

    @Test
    void theSellerNameAndTheItemAreShownEscaped() {
        broker.registerSeller(Seller.of("xss-shop", "<script>alert('name')</script> & Co", TestBrokers.newSellerKey(),
                List.of("https://xss.example")));

        Page page = browser.pay(payParams(Map.of("seller", "xss-shop", "return", "https://xss.example/cb",
                "item", "<img src=x onerror=alert(1)>\"'")));

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).doesNotContain("<script>alert").doesNotContain("<img")
                .contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; Co")
                .contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;");
        assertThat(page.hidden()).containsEntry("item", "<img src=x onerror=alert(1)>\"'");
    }

    @Test
    void otherMethodsAndPathsGetHtmlErrors() {
        Page post = browser.post("/pay", payParams(Map.of()));
        Page get = browser.get("/pay/consent");

        assertThat(post.status()).isEqualTo(405);
        assertThat(get.status()).isEqualTo(405);
        assertThat(browser.get("/pay/other").status()).isEqualTo(404);
        assertThat(post.header("Content-Type")).startsWith("text/html");
    }
}
