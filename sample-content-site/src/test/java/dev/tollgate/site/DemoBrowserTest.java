package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser purchase flow end to end in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}): paywall, broker login and consent, article, its reload and Back (the buyer's own: paid
 * like a click, never "from another site"), silent second charge, a page's {@code fetch()} and {@code <img>} of paid
 * URLs (refused, nothing charged), a navigation from another site paid after "Continue and pay", a video played
 * through Range requests and charged once, settlement matching the broker's books, the dashboard, and the top-up
 * offered once the budget ran out; then a reader of the second broker pays through it, and its top-up is offered at it
 * alone. The back/forward cache is off, so Back asks the site again. Screenshots of the
 * paywall, the consent page, the confirmation page and the dashboard are saved under {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the first reader's figures are the site's only charges
class DemoBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    static Path dir;
    static DemoFixture demo;
    static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoFixture.start(dir, "--settle-interval", "1");
        browser = Chromium.start(dir);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        DemoFixture.stop(browser, demo);
    }

    @Test
    @Order(1)
    void aReaderPaysAtTheBrokerReadsWatchesAndTheSellerIsSettled() throws Exception {
        readTheFreeArticles();
        // The paywall, rendered by the article's own page (paywall: app): title, opening, price, a button per broker.
        Articles.Article article = Articles.bySlug("paying-by-the-click").orElseThrow();
        browser.get(demo.site(article.path()).toString());
        assertThat(text()).contains(article.title(), article.paragraphs().get(0), "0.05 USD for this page",
                "Pay 0.05 USD with Tollgate Demo Broker", "Pay 0.05 USD with Second Demo Broker")
                .doesNotContain(article.paragraphs().get(1));
        screenshot("paywall");

        // The broker: log in as the demo buyer, allow the budget offered first.
        browser.findElement(By.cssSelector("a.pay")).click();
        await(() -> browser.getCurrentUrl().startsWith(demo.site.brokerUri().toString()));
        browser.findElement(By.id("username")).sendKeys(demo.site.buyer().username());
        browser.findElement(By.id("password")).sendKeys(demo.site.buyer().password());
        browser.findElement(By.cssSelector("button[value=login]")).click();
        await(() -> !browser.findElements(By.cssSelector("button[value=allow]")).isEmpty());
        // The consent page: the broker's name, the item, what it takes now and leaves for later, how long it lasts.
        assertThat(text()).contains("Tollgate Demo Broker", "Allow The Daily Byte to charge you", "One article",
                "0.05 USD taken now, 0.45 USD left for later", "The allowance lasts 1 hour, until ");
        screenshot("consent");
        // Typing an amount chooses it, without ticking its radio.
        browser.findElement(By.id("custom")).sendKeys("0.75");
        assertThat(browser.findElement(By.id("budget-custom")).isSelected()).isTrue();
        assertThat(browser.findElement(By.id("budget-0")).isSelected()).isFalse();
        browser.findElement(By.cssSelector("button[value=allow]")).click();

        // Back at the site: the article, with what was paid and what is left.
        await(() -> browser.getCurrentUrl().startsWith(demo.site.siteUri().toString())
                && text().contains("You just paid"));
        assertThat(browser.getCurrentUrl()).isEqualTo(demo.site("/articles/paying-by-the-click").toString());
        assertThat(text()).contains("Paying by the click").contains("You just paid 0.05 USD");
        long budget = left() + 50_000;
        assertThat(budget).isEqualTo(750_000);

        // Reloading the page just bought re-reads it within its 24-hour access window: nothing is charged.
        browser.navigate().refresh();
        await(() -> text().contains("Paying by the click"));
        assertThat(text()).contains("Nothing was charged for this request").doesNotContain("another site");
        assertThat(left()).isEqualTo(budget - 50_000);

        // A second article is charged silently from the same budget.
        browser.get(demo.site("/articles/the-402-status-code").toString());
        assertThat(text()).contains("You just paid 0.02 USD");
        assertThat(left()).isEqualTo(budget - 70_000);

        // Back to the first article: still within its window.
        browser.navigate().back();
        await(() -> text().contains("Paying by the click"));
        assertThat(text()).contains("Nothing was charged for this request").doesNotContain("another site");
        assertThat(left()).isEqualTo(budget - 70_000);

        // A script's fetch() and an <img> of paid URLs on this page: no content, no charge.
        String fetched = (String) ((JavascriptExecutor) browser).executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                + "fetch('/articles/durable-before-served', {headers: {Accept: 'text/html'}})"
                + ".then(r => r.text().then(t => done(r.status + ' ' + t)), e => done('failed ' + e));");
        assertThat(fetched).startsWith("402 ").contains("pays only for pages you open yourself")
                .doesNotContain("The order is the whole trick");
        Object image = ((JavascriptExecutor) browser).executeAsyncScript(
                "var done = arguments[arguments.length - 1]; var i = new Image();"
                + "i.onload = () => done('loaded'); i.onerror = () => done('refused');"
                + "i.src = '/articles/hash-chains-explained';");
        assertThat(image).isEqualTo("refused");

        // A navigation another site started (the broker's origin: another port, the same site) asks first.
        browser.get(demo.site.brokerUri().resolve("/.well-known/jwks.json").toString());
        ((JavascriptExecutor) browser).executeScript("location.href = arguments[0];",
                demo.site("/articles/hash-chains-explained").toString());
        await(() -> text().contains("Continue and pay"));
        assertThat(text()).contains("This page was opened from another site").doesNotContain("You just paid");
        screenshot("confirmation");
        browser.findElement(By.cssSelector("button.pay")).click();
        await(() -> text().contains("You just paid"));
        assertThat(text()).contains("You just paid 0.03 USD");
        assertThat(left()).isEqualTo(budget - 100_000);

        // A page bought before opens from another site too: it charges nothing, so there is nothing to confirm.
        browser.get(demo.site.brokerUri().resolve("/.well-known/jwks.json").toString());
        ((JavascriptExecutor) browser).executeScript("location.href = arguments[0];",
                demo.site("/articles/the-402-status-code").toString());
        await(() -> text().contains("Nothing was charged for this request"));
        assertThat(left()).isEqualTo(budget - 100_000);

        // The video's player page: title, price, window, what is left; its player fetches the file with Range
        // requests, which pass on the page's payment: one charge, however often it is reloaded.
        browser.get(demo.site("/videos/test-pattern/").toString());
        await(() -> Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript(
                "var v = document.querySelector('video'); return v != null && v.readyState >= 1 && v.duration > 5;")));
        assertThat(text()).contains("Test pattern, with tone", "You just paid 0.10 USD", "Price\n0.10 USD",
                "Watch for\n4 hours from the first payment", "Left on your budget\n" + Html.money(
                        budget - 200_000, "USD"));
        screenshot("video");
        browser.navigate().refresh();
        await(() -> Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript(
                "var v = document.querySelector('video'); return v != null && v.readyState >= 1;")));
        assertThat(text()).contains("Nothing was charged");
        browser.get(demo.site("/articles/hash-chains-explained").toString());
        assertThat(text()).contains("Nothing was charged for this request");
        assertThat(left()).isEqualTo(budget - 100_000 - 100_000);

        // Settlement: the broker's books show what the gateway charged, and so does the dashboard.
        long charged = 200_000;
        await(() -> redeemedAtBroker() == charged);
        String password = demo.site.admin().generated().orElseThrow();
        String dashboard = "https://admin:" + password + "@localhost:" + demo.site.siteUri().getPort() + "/admin";
        // Revenue and settlement agree once the gateway has recorded the broker's answer: one figure, in both.
        await(() -> {
            browser.get(dashboard);
            return text().split("Settled by the brokers\n0.20 USD", -1).length == 3;
        });
        assertThat(text()).contains("Dashboard").contains("Total revenue\n0.20 USD")
                .contains("Paying by the click").contains("Test pattern, with tone")
                .doesNotContain("/articles/paying-by-the-click\t", "Settled\n0.00 USD");
        screenshot("dashboard");

        // Reading on until the budget runs out: the paywall then offers a top-up at the broker.
        String page = readUntilTheBudgetRunsOut();
        assertThat(page).contains("Top up", "Durable before served").doesNotContain("The order is the whole trick");
        assertThat(browser.findElement(By.cssSelector("a.pay")).getAttribute("href"))
                .startsWith(demo.site.brokerUri().resolve("/pay").toString());
    }

    @Test
    @Order(2)
    void aBuyerOfTheSecondBrokerPaysThroughItAndOnlyItIsOfferedForATopUp() throws Exception {
        browser.get(demo.site("/").toString());
        browser.manage().deleteAllCookies(); // a new reader: no scrip, no broker session (all of localhost's)
        readTheFreeArticles();
        browser.get(demo.site("/articles/paying-by-the-click").toString());
        assertThat(text()).contains("Pay 0.05 USD with Tollgate Demo Broker")
                .contains("Pay 0.05 USD with Second Demo Broker");

        browser.findElement(By.linkText("Pay 0.05 USD with Second Demo Broker")).click();
        awaitUrl(demo.site.secondBrokerUri().toString());
        browser.findElement(By.id("username")).sendKeys(demo.site.secondBuyer().username());
        browser.findElement(By.id("password")).sendKeys(demo.site.secondBuyer().password());
        browser.findElement(By.cssSelector("button[value=login]")).click();
        await(() -> !browser.findElements(By.cssSelector("button[value=allow]")).isEmpty());
        browser.findElement(By.cssSelector("button[value=allow]")).click();

        await(() -> browser.getCurrentUrl().startsWith(demo.site.siteUri().toString())
                && text().contains("You just paid"));
        assertThat(text()).contains("Paying by the click").contains("You just paid 0.05 USD");
        long budget = left() + 50_000;
        browser.get(demo.site("/articles/the-402-status-code").toString());
        assertThat(text()).contains("You just paid 0.02 USD");
        assertThat(left()).isEqualTo(budget - 70_000);

        // The second broker settles what its buyer's scrip paid; the dashboard shows it on the broker's row.
        await(() -> demo.redeemedAt(demo.site.secondBrokerUri(), demo.site.secondBuyer()) == 70_000);
        String password = demo.site.admin().generated().orElseThrow();
        browser.get("https://admin:" + password + "@localhost:" + demo.site.siteUri().getPort() + "/admin");
        assertThat(text()).contains("Second Demo Broker second 2 0.07 USD");

        String page = readUntilTheBudgetRunsOut();
        assertThat(page).contains("Top up", "to charge more at Second Demo Broker;").doesNotContain("Top up at");
        assertThat(browser.findElements(By.cssSelector("a.pay"))).singleElement().satisfies(link -> assertThat(
                link.getAttribute("href")).startsWith(demo.site.secondBrokerUri().resolve("/pay").toString()));
    }

    @Test
    @Order(3)
    void aReaderBuysTheDayPassAndReadsOnItWithoutPayingAgain() throws Exception {
        browser.get(demo.site("/").toString());
        browser.manage().deleteAllCookies(); // a new visit: no scrip, no broker session, a new free allowance
        // The allowance goes on three articles this buyer never bought: the fourth shows the paywall.
        for (String slug : List.of("scrip-a-short-history", "hash-chains-explained", "the-402-status-code")) {
            browser.get(demo.site("/articles/" + slug).toString());
            assertThat(text()).as(slug).contains("Free to read: nothing was charged");
        }
        browser.get(demo.site("/articles/durable-before-served").toString());
        assertThat(text()).contains("0.50 USD for Day pass", "Buy Day pass: 0.50 USD with Tollgate Demo Broker");
        screenshot("paywall-pass");

        browser.findElement(By.xpath("//a[starts-with(normalize-space(.), 'Buy Day pass')]")).click();
        await(() -> browser.getCurrentUrl().startsWith(demo.site.brokerUri().toString()));
        browser.findElement(By.id("username")).sendKeys(demo.site.buyer().username());
        browser.findElement(By.id("password")).sendKeys(demo.site.buyer().password());
        browser.findElement(By.cssSelector("button[value=login]")).click();
        await(() -> !browser.findElements(By.cssSelector("button[value=allow]")).isEmpty());
        assertThat(text()).contains("Day pass");
        browser.findElement(By.cssSelector("button[value=allow]")).click();

        // Back at the article: the pass was bought, once; the day's reading on it charges nothing.
        await(() -> browser.getCurrentUrl().startsWith(demo.site.siteUri().toString())
                && text().contains("You just paid"));
        assertThat(browser.getCurrentUrl()).isEqualTo(demo.site("/articles/durable-before-served").toString());
        assertThat(text()).contains("Durable before served").contains("You just paid 0.50 USD");
        long left = left();
        for (String article : List.of("/articles/scrip-a-short-history", "/articles/durable-before-served")) {
            browser.get(demo.site(article).toString());
            assertThat(text()).as(article).contains("Nothing was charged for this request (your pass covers it)");
        }
        assertThat(left()).isEqualTo(left);
    }

    @Test
    @Order(4)
    void theBuiltInPaywallNamesTheItemAndReadsWellAtPhoneWidth() throws Exception {
        browser.manage().deleteAllCookies();
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        try {
            browser.get(demo.site("/downloads/daily-byte-prices.csv").toString());
            await(() -> text().contains("Prices data set (CSV)"));
            assertThat(text()).contains("Back to The Daily Byte", "0.002 USD for each 64 KiB you download",
                    "Pay 0.002 USD with Tollgate Demo Broker", "Pay 0.002 USD with Second Demo Broker",
                    "Paying from a program").doesNotContain("PAYMENT-SIGNATURE");
            // Nothing is wider than the phone's screen, and the pay buttons are full width.
            assertThat(((JavascriptExecutor) browser).executeScript(
                    "return document.documentElement.scrollWidth <= window.innerWidth;")).isEqualTo(true);
            assertThat(browser.findElement(By.cssSelector("a.pay")).getSize().getWidth()).isGreaterThan(300);
            screenshot("paywall-built-in");
            // The programmer's note opens on a click.
            browser.findElement(By.tagName("summary")).click();
            assertThat(text()).contains("PAYMENT-SIGNATURE");
            browser.findElement(By.cssSelector("a.back")).click();
            await(() -> browser.getCurrentUrl().equals(demo.site("/").toString()));
        } finally {
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(1200, 900));
        }
    }

    /** Opens a long read again and again until it is not paid: the page then shown. */
    private static String readUntilTheBudgetRunsOut() {
        String page = "";
        for (int i = 0; i < 100; i++) {
            browser.get(demo.site("/articles/durable-before-served").toString());
            page = text();
            if (!page.contains("You just paid 0.08 USD")) {
                break;
            }
        }
        return page;
    }

    private static long left() {
        Matcher m = Pattern.compile("([0-9]+\\.[0-9]+) USD is left").matcher(text());
        assertThat(m.find()).as("the page says what is left: %s", text()).isTrue();
        return new java.math.BigDecimal(m.group(1)).movePointRight(6).longValueExact();
    }

    private static long redeemedAtBroker() throws Exception {
        return demo.redeemedAt(demo.site.brokerUri(), demo.site.buyer());
    }

    private static String text() {
        return browser.findElement(By.tagName("body")).getText();
    }

    /**
     * A new reader's free allowance (config/gateway.yaml: 3 articles per 30 days, one pool for every article rule):
     * three articles open free, one of them again without using any up; the fourth gets the paywall.
     */
    private static void readTheFreeArticles() {
        for (String slug : List.of("scrip-a-short-history", "hash-chains-explained", "durable-before-served",
                "scrip-a-short-history")) {
            browser.get(demo.site("/articles/" + slug).toString());
            assertThat(text()).contains("Free to read: nothing was charged").doesNotContain("USD with");
        }
    }

    private static void awaitUrl(String prefix) {
        await(() -> browser.getCurrentUrl().startsWith(prefix));
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition) {
        new WebDriverWait(browser, Duration.ofSeconds(20)).ignoring(AssertionError.class)
                .withMessage(DemoBrowserTest::describePage).until(d -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** What the browser shows, for a failed wait. */
    private static String describePage() {
        try {
            return "the page at " + browser.getCurrentUrl() + " reads: " + text();
        } catch (RuntimeException e) {
            return "the page cannot be read: " + e;
        }
    }

    private static void screenshot(String name) throws Exception {
        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
