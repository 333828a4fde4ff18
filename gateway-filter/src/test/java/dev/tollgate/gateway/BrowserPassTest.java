package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.testing.TestBroker;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Buying a pass in the browser flow, through a real Jetty and SQLite ledger: the paywall's pass button sends the buyer
 * to the broker for the pass at its price; back from there the page buys the pass once, and the pass opens the rules
 * that sell it without asking again.
 */
final class BrowserPassTest {

    private static final Pattern STATE_COOKIE = Pattern.compile("__Host-tollgate_state=([A-Za-z0-9_.-]+);");
    private static final long BUDGET = 1_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(PassTest.CONFIG).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpTester.Response buyPass(String form) throws Exception {
        return gateway.postForm(BrowserFlow.PASS_PATH, form, "Accept", "text/html");
    }

    @Test
    void aReaderBuysThePassAtTheBrokerAndReadsEveryCoveredRuleOnIt() throws Exception {
        String paywall = gateway.body(gateway.get("/articles/one", "Accept", "text/html"));
        assertThat(paywall).contains("<form method=\"post\" action=\"/.tollgate/pass\">",
                "<input type=\"hidden\" name=\"path\" value=\"/articles/one\">",
                "<input type=\"hidden\" name=\"pass\" value=\"day-pass\">",
                "<input type=\"hidden\" name=\"broker\" value=\"test\">", "Buy Day pass: 0.50 USD with Test Broker");

        HttpTester.Response toBroker = buyPass("path=%2Farticles%2Fone&pass=day-pass");
        assertThat(toBroker.getStatus()).isEqualTo(303);
        String location = toBroker.get("Location");
        assertThat(location).startsWith("https://broker.test/pay?seller=seller-1&return=")
                .endsWith("&price=500000&item=Day+pass");
        String state = location.replaceAll(".*&state=([A-Za-z0-9_-]+)&.*", "$1");
        Matcher cookie = STATE_COOKIE.matcher(String.join("\n", toBroker.getValuesList("Set-Cookie")));
        assertThat(cookie.find()).isTrue();
        String token = gateway.broker.scrip().jti("pass-reader").budget(Long.toString(BUDGET)).sign();

        HttpTester.Response back = gateway.postForm(BrowserFlow.CALLBACK_PATH, "token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&state=" + state,
                "Cookie", BrowserFlow.STATE_COOKIE + "=" + cookie.group(1));
        assertThat(back.getStatus()).isEqualTo(200);
        HttpTester.Response bought = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, BrowserFlowTest.allowanceCookie(back)));
        HttpTester.Response news = gateway.get("/news/today", BrowserRequests.withScrip(
                BrowserRequests.FROM_OTHER_SITE, token, null));
        HttpTester.Response uncovered = gateway.get("/cached", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, null));

        assertThat(bought.getStatus()).isEqualTo(200);
        assertThat(bought.get("X-Paid")).startsWith("500000 500000 " + TestBroker.BUYER);
        assertThat(news.getStatus()).as("a pass held opens without asking: it charges nothing").isEqualTo(200);
        assertThat(news.get("X-Paid")).startsWith("0 500000 ");
        assertThat(uncovered.get("X-Paid")).startsWith("10000 490000 ");
        assertThat(gateway.remaining("pass-reader", BUDGET)).isEqualTo(BUDGET - 500_000 - 10_000);
    }

    @Test
    void aPassThePageDoesNotSellIsRefusedBeforeTheBroker() throws Exception {
        HttpTester.Response unknown = buyPass("path=%2Farticles%2Fone&pass=year-pass");
        HttpTester.Response uncovered = buyPass("path=%2Fcached&pass=day-pass");
        HttpTester.Response away = buyPass("path=https%3A%2F%2Fevil.test%2F&pass=day-pass");

        assertThat(unknown.getStatus()).isEqualTo(400);
        assertThat(gateway.body(unknown)).contains("unknown_pass");
        assertThat(uncovered.getStatus()).isEqualTo(400);
        assertThat(away.getStatus()).isEqualTo(400);
        assertThat(unknown.getValuesList("Set-Cookie")).isEmpty();
    }

    @Test
    void onlyANavigationTheReaderMadeStartsAPassPurchaseByLinkOrByForm() throws Exception {
        String link = BrowserFlow.PASS_PATH + "?path=%2Farticles%2Fone&pass=day-pass";
        HttpTester.Response clicked = gateway.get(link, BrowserRequests.CLICK_HERE);
        HttpTester.Response image = gateway.get(link, BrowserRequests.IMG);
        HttpTester.Response prefetched = gateway.get(link, BrowserRequests.LINK_PREFETCH);
        HttpTester.Response posted = gateway.postForm(BrowserFlow.PASS_PATH, "path=%2Farticles%2Fone&pass=day-pass",
                BrowserRequests.CLICK_HERE);
        HttpTester.Response fetched = gateway.postForm(BrowserFlow.PASS_PATH, "path=%2Farticles%2Fone&pass=day-pass",
                BrowserRequests.FETCH);

        assertThat(clicked.getStatus()).isEqualTo(303);
        assertThat(clicked.get("Location")).startsWith("https://broker.test/pay?").endsWith("&price=500000&item=Day+pass");
        assertThat(posted.getStatus()).isEqualTo(303);
        for (HttpTester.Response refused : new HttpTester.Response[] {image, prefetched, fetched}) {
            assertThat(refused.getStatus()).isEqualTo(403);
            assertThat(gateway.body(refused)).contains("invalid_pass_purchase");
            assertThat(refused.getValuesList("Set-Cookie")).as("no purchase state").isEmpty();
        }
    }
}
