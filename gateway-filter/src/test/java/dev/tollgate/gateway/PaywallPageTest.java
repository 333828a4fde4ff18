package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.http.HtmlPages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in paywall as a reader sees it: the item named by its rule's title and description, a way back to the
 * site, the price and what it buys in a reader's words, a button with the amount per broker, the note for programs
 * folded away at the bottom; and the rule settings behind it validated where they are written.
 */
final class PaywallPageTest {

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private String paywall(String rules, String path) throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(rules).start();
        HttpTester.Response response = gateway.get(path, "Accept", "text/html");
        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(response.get("Content-Security-Policy")).isEqualTo(HtmlPages.CONTENT_SECURITY_POLICY)
                .startsWith("default-src 'none'; style-src 'sha256-");
        return gateway.body(response);
    }

    @Test
    void thePaywallNamesTheItemLinksBackAndSaysWhatThePriceBuysOnAButtonPerBroker() throws Exception {
        String page = paywall(String.join("\n",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                "    title: The status code that waited thirty years",
                "    description: HTTP reserved 402 in 1997. Here is what it says now.",
                "    back-link: /articles/",
                "    mime-type: text/html",
                ""), "/articles/the-402");

        assertThat(page).contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                "<h1>The status code that waited thirty years</h1>",
                "<p class=\"description\">HTTP reserved 402 in 1997. Here is what it says now.</p>",
                "<a class=\"back\" href=\"/articles/\">&larr; Back to Test Seller</a>",
                "0.05 USD for this page", ">Pay 0.05 USD with Test Broker</a>")
                .doesNotContain("<script", "per-click)</span>", "Each request costs");
        // The programmer's note is folded away below everything a reader needs.
        assertThat(page.indexOf("<details")).isGreaterThan(page.indexOf("Pay 0.05 USD with"));
        assertThat(page.indexOf("PAYMENT-SIGNATURE")).isGreaterThan(page.indexOf("<details"));
    }

    @Test
    void aStreamSaysHowLongItCanBeWatchedAndAMeteredDownloadWhatEachUnitCosts() throws Exception {
        String video = paywall(String.join("\n",
                "rules:",
                "  - match: /videos/**",
                "    price: 0.10",
                "    charge: per-stream",
                "    window: 2h",
                "    mime-type: video/mp4",
                "    title: A dive into the Mandelbrot set",
                "  - match: /files/**",
                "    price: 0.002",
                "    charge: metered",
                "    unit: 64KiB",
                ""), "/videos/dive.mp4");
        String file = gateway.body(gateway.get("/files/prices.csv", "Accept", "text/html"));

        assertThat(video).contains("<h1>A dive into the Mandelbrot set</h1>",
                "0.10 USD for this video, to watch as often as you like for 2 hours", "Pay 0.10 USD with Test Broker",
                "<a class=\"back\" href=\"/\">");
        assertThat(file).contains("<h1>This page is for sale</h1>", "0.002 USD for each 64 KiB you download",
                "the download stops at what was paid for", "Pay 0.002 USD with Test Broker");
    }

    @Test
    void whatTheConfigWritesIsEscapedOnThePage() throws Exception {
        String page = paywall(String.join("\n",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                "    title: \"<script>alert('t')</script> & more\"",
                "    description: \"<img src=x onerror=alert(1)>\"",
                "    back-link: \"/a?b=\\\"><script>\"",
                ""), "/articles/x");

        assertThat(page).doesNotContain("<script>", "<img").contains(
                "<h1>&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; more</h1>",
                "&lt;img src=x onerror=alert(1)&gt;", "href=\"/a?b=&quot;&gt;&lt;script&gt;\"");
    }

    @Test
    void theTitleBackLinkAndPaywallSettingsAreCheckedWhereWritten() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, ConfigLoaderTest.HEADER + String.join("\n",
                "rules:",
                "  - match: /free/**",
                "    charge: free",
                "    paywall: app",
                "  - match: /a/**",
                "    price: 0.05",
                "    title: " + "t".repeat(201),
                "  - match: /b/**",
                "    price: 0.05",
                "    back-link: //evil.example/",
                "  - match: /c/**",
                "    price: 0.05",
                "    back-link: javascript:alert(1)",
                "  - match: /d/**",
                "    price: 0.05",
                "    paywall: maybe",
                "  - match: /e/**",
                "    price: 0.05",
                "    title: \"two\\nlines\"",
                ""));

        List<String> problems = ((InvalidConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> GatewayConfig.load(file))).problems();

        assertThat(problems).hasSize(6);
        assertThat(problems.get(0)).contains("rules[0].paywall: a free rule has no paywall");
        assertThat(problems.get(1)).contains("rules[1].title: a title is 1 to 200 characters");
        assertThat(problems.get(2)).contains("rules[2].back-link: '//evil.example/' is not a path on this site");
        assertThat(problems.get(3)).contains("rules[3].back-link: 'javascript:alert(1)' is not a path");
        assertThat(problems.get(4)).contains("rules[4].paywall: 'maybe' is not app or built-in");
        assertThat(problems.get(5)).contains("rules[5].title: a title is one line");
    }

    @Test
    void aRuleWithoutPageSettingsIsPresentedByDefault() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, ConfigLoaderTest.HEADER + String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.05",
                "    description: One article",
                "  - match: /b/**",
                "    price: 0.05",
                "    title: Paying by the click",
                "    back-link: https://example.com/",
                "    paywall: app",
                ""));

        List<PriceRule> rules = GatewayConfig.load(file).rules();

        assertThat(rules.get(0).page()).isEqualTo(PriceRule.Page.DEFAULT);
        assertThat(rules.get(0).title()).isEqualTo("One article");
        assertThat(rules.get(1).page()).isEqualTo(new PriceRule.Page("Paying by the click", "https://example.com/",
                true));
        assertThat(rules.get(1).title()).isEqualTo("Paying by the click");
    }
}
