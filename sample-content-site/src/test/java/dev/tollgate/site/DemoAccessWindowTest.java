package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.gateway.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Re-reading after the access window, in a real Chromium. The demo's brokers and gateway run on one clock the test
 * moves, so time passes for all of them at once (scrip, broker sessions, windows). A reader buys an article, reloads
 * it within its 24-hour window without being charged; a day and a minute later the reload shows the paywall again,
 * and paying charges the article a second time: the gateway's ledger and the broker's books count two charges.
 */
class DemoAccessWindowTest {

    private static final String ARTICLE = "/articles/paying-by-the-click";
    private static final long PRICE = 50_000;

    @TempDir
    static Path dir;
    static MutableClock clock;
    static DemoFixture demo;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        clock = MutableClock.atNow();
        demo = DemoFixture.start(dir, clock, "--settle-interval", "1");
        browser = Chromium.start(dir);
    }

    @AfterAll
    static void stop() {
        DemoFixture.stop(browser, demo);
    }

    @Test
    void aReaderReReadsFreeWithinTheWindowAndPaysAgainAfterIt() throws Exception {
        // The free allowance (3 articles) goes on other articles first, so this one is sold.
        for (String slug : List.of("scrip-a-short-history", "hash-chains-explained", "durable-before-served")) {
            browser.get(demo.site("/articles/" + slug).toString());
            assertThat(text()).as(slug).contains("Free to read: nothing was charged");
        }
        Articles.Article article = Articles.bySlug("paying-by-the-click").orElseThrow();
        browser.get(demo.site(ARTICLE).toString());
        payAtTheFirstBroker();
        assertThat(text()).contains(article.title(), "You just paid 0.05 USD");

        // Within the window: the reload is not charged, at the gateway or at the broker.
        browser.navigate().refresh();
        await(() -> text().contains("Nothing was charged for this request"));
        assertThat(text()).contains(article.paragraphs().get(1), "(you bought this page earlier)");
        assertThat(charges()).isEqualTo(1);
        await(() -> demo.redeemedAt(demo.site.brokerUri(), demo.site.buyer()) == PRICE);

        // A day and a minute later the window has closed (so has the hour-long scrip): the paywall again.
        clock.advance(Duration.ofHours(24).plusMinutes(1));
        browser.navigate().refresh();
        await(() -> text().contains("Pay 0.05 USD with Tollgate Demo Broker"));
        assertThat(text()).contains(article.title()).doesNotContain(article.paragraphs().get(1), "You just paid");
        assertThat(charges()).isEqualTo(1);

        payAtTheFirstBroker();
        assertThat(text()).contains(article.paragraphs().get(1), "You just paid 0.05 USD");
        assertThat(charges()).isEqualTo(2);
        assertThat(revenue()).isEqualTo(2 * PRICE);
        await(() -> demo.redeemedAt(demo.site.brokerUri(), demo.site.buyer()) == 2 * PRICE);

        // The second purchase opens a new window: the reload is free again.
        browser.navigate().refresh();
        await(() -> text().contains("Nothing was charged for this request"));
        assertThat(charges()).isEqualTo(2);
    }

    /** From the paywall: the first broker's pay button, its login (when its session is gone) and Allow. */
    private static void payAtTheFirstBroker() {
        browser.findElement(By.cssSelector("a.pay")).click();
        await(() -> browser.getCurrentUrl().startsWith(demo.site.brokerUri().toString())
                && !browser.findElements(By.cssSelector("button[value=login], button[value=allow]")).isEmpty());
        if (!browser.findElements(By.id("username")).isEmpty()) {
            browser.findElement(By.id("username")).sendKeys(demo.site.buyer().username());
            browser.findElement(By.id("password")).sendKeys(demo.site.buyer().password());
            browser.findElement(By.cssSelector("button[value=login]")).click();
            await(() -> !browser.findElements(By.cssSelector("button[value=allow]")).isEmpty());
        }
        browser.findElement(By.cssSelector("button[value=allow]")).click();
        await(() -> browser.getCurrentUrl().equals(demo.site(ARTICLE).toString()) && text().contains("You just paid"));
    }

    /** The gateway's ledger: how many times the article was charged. */
    private static long charges() throws Exception {
        return article().map(Sales.Resource::charges).orElse(0L);
    }

    private static long revenue() throws Exception {
        return article().map(Sales.Resource::revenueMicros).orElse(0L);
    }

    private static java.util.Optional<Sales.Resource> article() throws Exception {
        return demo.site.gateway().report(0).revenueByResource().stream()
                .filter(r -> r.resource().endsWith(ARTICLE)).findFirst();
    }

    private static String text() {
        return browser.findElement(By.tagName("body")).getText();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).withMessage(() -> "the page at " + browser.getCurrentUrl()
                + " reads: " + text()).until(d -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }
}
