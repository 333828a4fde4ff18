package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * The demo switched to {@code mode: shadow} by editing its config while it runs: articles are served free, a paying
 * program is not charged, and the dashboard shows what would have been paid and refused; then a reader in a real
 * Chromium reads five articles in full, past the free allowance, without a pay button, and the dashboard counts the
 * reads that would have been refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the second test reads the mode the first one set
class DemoShadowModeTest {

    @TempDir
    static Path dir;
    static DemoFixture demo;

    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoFixture.start(dir);
        browser = Chromium.start(dir);
    }

    @AfterAll
    static void stop() {
        DemoFixture.stop(browser, demo);
    }

    @Test
    @Order(1)
    void shadowModeServesFreeAndTheDashboardShowsTheWouldBeRevenue() throws Exception {
        assertThat(demo.get("/articles/the-402-status-code").statusCode()).isEqualTo(402);
        // A program's payment, made from the live offer (in shadow mode there is no 402 to read it from).
        String token = demo.buyScrip(500_000);
        String payment = demo.paymentFor("/articles/hash-chains-explained", token);
        String live = Files.readString(demo.config);
        assertThat(live).contains("# mode: shadow");
        Path next = dir.resolve("gateway.yaml.next");
        Files.writeString(next, live.replace("# mode: shadow", "mode: shadow"));
        Files.move(next, demo.config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (demo.get("/articles/the-402-status-code").statusCode() != 200) {
            assertThat(System.nanoTime()).as("the shadow config applied within 30 s").isLessThan(deadline);
            Thread.sleep(50); // the polling interval: the watcher applies the edit on its own thread
        }

        HttpResponse<String> paid = demo.get("/articles/hash-chains-explained", PaymentHeaders.PAYMENT_SIGNATURE,
                payment);
        assertThat(paid.statusCode()).isEqualTo(200);
        assertThat(paid.headers().firstValue("Tollgate-Shadow")).hasValue("would-charge=30000");
        assertThat(paid.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE)).isEmpty();

        String password = demo.site.admin().generated().orElseThrow();
        String dashboard = demo.get("/admin", "Authorization", "Basic " + Base64.getEncoder().encodeToString(
                ("admin:" + password).getBytes(StandardCharsets.UTF_8))).body();
        assertThat(dashboard).contains("<h2>Shadow mode</h2>").contains("Nothing is charged")
                .contains("<dt>Would-be revenue</dt><dd>0.03 USD</dd>")
                .contains("<code>/articles/hash-chains-explained</code></td><td>1</td>")
                .contains("<code>payment_required</code>");
    }

    @Test
    @Order(2)
    void aReaderInChromiumReadsEveryArticleInFullAndNothingAsksForPayment() {
        // Past the free allowance too: in shadow mode the 4th and 5th articles are served free as well, and counted.
        List<Articles.Article> articles = List.of("paying-by-the-click", "the-402-status-code",
                "durable-before-served", "scrip-a-short-history", "hash-chains-explained").stream()
                .map(slug -> Articles.bySlug(slug).orElseThrow()).toList();
        for (Articles.Article article : articles) {
            browser.get(demo.site(article.path()).toString());
            String page = browser.findElement(By.tagName("body")).getText();
            assertThat(page).as(article.path()).contains(article.title(),
                    article.paragraphs().get(article.paragraphs().size() - 1)).doesNotContain("USD with");
        }
        String password = demo.site.admin().generated().orElseThrow();
        browser.get("https://admin:" + password + "@localhost:" + demo.site.siteUri().getPort() + "/admin");
        String dashboard = browser.findElement(By.tagName("body")).getText();
        assertThat(dashboard).contains("Shadow mode", "Nothing is charged", "payment_required");
        Matcher refused = Pattern.compile("Would have been refused\\n(\\d+)").matcher(dashboard);
        assertThat(refused.find()).as(dashboard).isTrue();
        // The first test's unpaid request, and this reader's articles beyond the free allowance of 3 (not counted).
        assertThat(Integer.parseInt(refused.group(1))).isGreaterThanOrEqualTo(3);
    }
}
