package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.SalesReport;
import dev.tollgate.protocol.PaymentHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo contract over plain HTTPS, no browser: what the README promises a newcomer and a program. */
class DemoContractTest {

    @TempDir
    static Path dir;
    static DemoFixture demo;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void theHomePageListsEveryItemWithItsPriceAndChargeModel() throws Exception {
        HttpResponse<String> home = demo.get("/");

        assertThat(home.statusCode()).isEqualTo(200);
        for (Catalog.Item item : Catalog.ITEMS) {
            assertThat(home.body()).contains("href=\"" + item.path() + "\"");
        }
        assertThat(home.body()).contains("0.02 USD", "0.03 USD", "0.05 USD", "0.08 USD", "0.10 USD", "0.15 USD",
                "per click", "per stream, 4h of watching", "metered, per 64 KiB", "Free");
        assertThat(Catalog.ITEMS.stream().filter(i -> i.kind().equals("Article"))).hasSizeGreaterThanOrEqualTo(6);
    }

    @Test
    void theDemoRunsTwoBrokersWhoseBuyersBothPayAndTheHomePageExplainsThem() throws Exception {
        String home = demo.get("/").body();
        String paywall = demo.get("/articles/durable-before-served", "Accept", "text/html").body();
        String token = demo.buyScrip(demo.site.secondBrokerUri(), demo.site.secondBuyer(), 500_000);
        long before = secondBroker().revenueMicros();

        HttpResponse<String> paid = demo.get("/articles/the-402-status-code", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/articles/the-402-status-code", token, "tollgate:second"));

        assertThat(home).contains("This site accepts 2 brokers", "<strong>Tollgate Demo Broker</strong>",
                "<strong>Second Demo Broker</strong>", "https://localhost:" + demo.site.secondBrokerUri().getPort());
        assertThat(paywall).contains(">Pay 0.08 USD with Tollgate Demo Broker</a>",
                ">Pay 0.08 USD with Second Demo Broker</a>");
        assertThat(paid.statusCode()).isEqualTo(200);
        assertThat(paid.body()).contains("<strong>0.48 USD</strong> is left");
        assertThat(secondBroker().revenueMicros() - before).isEqualTo(20_000);
    }

    private static SalesReport.Broker secondBroker() throws Exception {
        return demo.site.gateway().report(0).byBroker().stream().filter(b -> b.id().equals("second")).findFirst()
                .orElseThrow();
    }

    @Test
    void anArticleWithoutPaymentIsA402WhoseOwnPageShowsItsOpeningAndThePayBox() throws Exception {
        Articles.Article article = Articles.bySlug("durable-before-served").orElseThrow();

        HttpResponse<String> paywall = demo.get(article.path(), "Accept", "text/html");

        assertThat(paywall.statusCode()).isEqualTo(402);
        assertThat(paywall.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(paywall.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED)).isPresent();
        assertThat(paywall.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(paywall.body()).contains("<h1>" + Html.esc(article.title()) + "</h1>",
                        Html.esc(article.paragraphs().get(0)), "0.08 USD for this page",
                        ">Pay 0.08 USD with Tollgate Demo Broker</a>", ">Pay 0.08 USD with Second Demo Broker</a>",
                        "href=\"/site.css\"")
                .doesNotContain(Html.esc(article.paragraphs().get(1)));
        // A program gets the JSON offer, not the page.
        assertThat(demo.get(article.path()).body()).startsWith("{").doesNotContain(article.paragraphs().get(0));
    }

    @Test
    void theHomePageDoesNotPrintTheServersFilePaths() throws Exception {
        String home = demo.get("/").body();

        assertThat(home).doesNotContain(demo.config.toString(), dir.toString());
    }

    @Test
    void anUnknownAddressGetsTheSitesOwn404PageOrJsonForAProgram() throws Exception {
        HttpResponse<String> page = demo.get("/no/such/page", "Accept", "text/html");
        HttpResponse<String> program = demo.get("/no/such/page");

        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body()).contains("<title>Not found · The Daily Byte</title>", "href=\"/site.css\"",
                "See everything on sale").doesNotContain("Jetty", "Powered by");
        assertThat(program.statusCode()).isEqualTo(404);
        assertThat(program.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(program.body()).contains("\"error\":\"not_found\"");
    }

    @Test
    void theFreeArticleIsServedWithoutPayment() throws Exception {
        HttpResponse<String> free = demo.get("/articles/free-welcome");

        assertThat(free.statusCode()).isEqualTo(200);
        assertThat(free.body()).contains("Welcome to The Daily Byte", "nothing was charged");
    }

    @Test
    void aProgramPaysWithScripBoughtFromTheBrokerAndThePageShowsWhatWasPaidAndWhatIsLeft() throws Exception {
        String token = demo.buyScrip(1_000_000);

        HttpResponse<String> article = demo.get("/articles/the-402-status-code", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/articles/the-402-status-code", token));

        assertThat(article.statusCode()).isEqualTo(200);
        assertThat(article.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE)).isPresent();
        assertThat(article.body()).contains("The status code that waited thirty years")
                .contains("You just paid <strong>0.02 USD</strong>")
                .contains("<strong>0.98 USD</strong> is left");
    }

    @Test
    void aVideoIsChargedOnceAcrossItsRangeRequests() throws Exception {
        String token = demo.buyScrip(1_000_000);
        String payment = demo.paymentFor("/videos/test-pattern/video.mp4", token);
        long size = Files.size(Path.of("src", "main", "webapp", "videos", "test-pattern", "video.mp4"));

        HttpResponse<byte[]> first = demo.getBytes("/videos/test-pattern/video.mp4", "Range", "bytes=0-1023",
                PaymentHeaders.PAYMENT_SIGNATURE, payment);
        HttpResponse<byte[]> second = demo.getBytes("/videos/test-pattern/video.mp4", "Range", "bytes=1024-",
                PaymentHeaders.PAYMENT_SIGNATURE, payment);
        HttpResponse<byte[]> whole = demo.getBytes("/videos/test-pattern/video.mp4", PaymentHeaders.PAYMENT_SIGNATURE,
                payment);

        assertThat(first.statusCode()).isEqualTo(206);
        assertThat(first.body()).hasSize(1024);
        assertThat(first.headers().firstValue("Content-Range")).hasValue("bytes 0-1023/" + size);
        assertThat(second.statusCode()).isEqualTo(206);
        assertThat(second.body()).hasSize((int) size - 1024);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).hasSize((int) size);
        // One charge of 0.10 for the three requests: an article bought next with the same scrip shows 0.85 left.
        HttpResponse<String> article = demo.get("/articles/paying-by-the-click", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/articles/paying-by-the-click", token));
        assertThat(article.body()).contains("<strong>0.85 USD</strong> is left");
    }

    @Test
    void aVideosPlayerPageAndItsFileAreOneStreamPaidOnce() throws Exception {
        String token = demo.buyScrip(1_000_000);

        HttpResponse<String> page = demo.get("/videos/mandelbrot/", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/videos/mandelbrot/", token));
        HttpResponse<byte[]> file = demo.getBytes("/videos/mandelbrot/video.mp4", "Range", "bytes=0-99",
                PaymentHeaders.PAYMENT_SIGNATURE, demo.paymentFor("/videos/mandelbrot/video.mp4", token));
        HttpResponse<String> again = demo.get("/videos/mandelbrot/", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/videos/mandelbrot/", token));
        HttpResponse<String> unpaid = demo.get("/videos/mandelbrot/", "Accept", "text/html");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h1>A dive into the Mandelbrot set</h1>",
                "You just paid <strong>0.15 USD</strong>", "<strong>0.85 USD</strong> is left",
                "<video controls preload=\"metadata\" src=\"/videos/mandelbrot/video.mp4\">",
                "<dt>Price</dt><dd>0.15 USD</dd>", "<dt>Watch for</dt><dd>24 hours from the first payment</dd>",
                "<dt>Left on your budget</dt><dd>0.85 USD</dd>");
        assertThat(file.statusCode()).isEqualTo(206);
        assertThat(file.body()).hasSize(100);
        assertThat(again.body()).contains("Nothing was charged", "<dt>Left on your budget</dt><dd>0.85 USD</dd>");
        assertThat(unpaid.statusCode()).isEqualTo(402);
        assertThat(unpaid.body()).contains("<h1>A dive into the Mandelbrot set</h1>",
                "0.15 USD for this video, to watch as often as you like for 1 day",
                "Pay 0.15 USD with Tollgate Demo Broker").doesNotContain("<video");
    }

    @Test
    void theDownloadIsMeteredPer64KiB() throws Exception {
        String token = demo.buyScrip(1_000_000);
        long size = Files.size(Path.of("src", "main", "webapp", "downloads", "daily-byte-prices.csv"));

        HttpResponse<byte[]> download = demo.getBytes("/downloads/daily-byte-prices.csv",
                PaymentHeaders.PAYMENT_SIGNATURE, demo.paymentFor("/downloads/daily-byte-prices.csv", token));

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).hasSize((int) size);
        long units = (size + 65_535) / 65_536;
        long left = 1_000_000 - units * 2_000 - 50_000;
        HttpResponse<String> article = demo.get("/articles/scrip-a-short-history", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/articles/scrip-a-short-history", token));
        assertThat(article.body()).contains("<strong>" + Html.money(left, "USD") + "</strong> is left");
    }

    @Test
    void aSignInThatCannotBeCheckedInTimeIsBusyNotAWrongPassword() throws Exception {
        String password = demo.site.admin().generated().orElseThrow();
        AdminServlet.CHECKS.acquire(2); // as if two slow checks ran
        HttpResponse<String> busy;
        try {
            busy = demo.get("/admin", "Authorization", basic("admin", password));
        } finally {
            AdminServlet.CHECKS.release(2);
        }
        HttpResponse<String> admin = demo.get("/admin", "Authorization", basic("admin", password));

        assertThat(busy.statusCode()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(busy.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(admin.statusCode()).isEqualTo(200);
    }

    @Test
    void theDashboardRefusesWithoutTheAdminPasswordAndShowsRevenueWithIt() throws Exception {
        String token = demo.buyScrip(500_000);
        demo.get("/articles/hash-chains-explained", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/articles/hash-chains-explained", token));
        String password = demo.site.admin().generated().orElseThrow();

        HttpResponse<String> anonymous = demo.get("/admin");
        HttpResponse<String> wrong = demo.get("/admin", "Authorization", basic("admin", password + "x"));
        HttpResponse<String> admin = demo.get("/admin", "Authorization", basic("admin", password));

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).startsWith("Basic"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(admin.statusCode()).isEqualTo(200);
        long revenue = demo.site.gateway().report(1).totalMicros();
        assertThat(revenue).isGreaterThanOrEqualTo(30_000);
        assertThat(admin.body()).contains("Total revenue</dt><dd>" + Html.money(revenue, "USD"))
                .contains("<span title=\"/articles/hash-chains-explained\">Hash chains, explained in one coffee</span>"
                        + "</td><td>1</td><td class=\"price\">0.03 USD")
                .contains("Recent charges", "Settlement", "Awaiting settlement", "Prices in force")
                .contains("Durable before served<br><small><code>/articles/durable-before-served</code>");
        SalesReport.Broker first = demo.site.gateway().report(0).byBroker().get(0);
        assertThat(admin.body()).contains("Revenue per broker", "Settlement batches per broker")
                .contains(Html.esc(first.name()) + " <code>demo</code></td><td>" + first.charges()
                        + "</td><td class=\"price\">" + Html.money(first.revenueMicros(), "USD"))
                .contains("<tfoot><tr><th scope=\"row\">All brokers</th>");
    }

    @Test
    void theDashboardDrawsChartsAndExportsTheChargesAsCsvForTheAdminOnly() throws Exception {
        String token = demo.buyScrip(500_000);
        HttpResponse<String> paid = demo.get("/articles/scrip-a-short-history", PaymentHeaders.PAYMENT_SIGNATURE,
                demo.paymentFor("/articles/scrip-a-short-history", token));
        assertThat(paid.statusCode()).isEqualTo(200);
        String password = demo.site.admin().generated().orElseThrow();

        HttpResponse<String> dashboard = demo.get("/admin", "Authorization", basic("admin", password));
        HttpResponse<String> anonymous = demo.get(AdminServlet.CSV_PATH);
        HttpResponse<String> csv = demo.get(AdminServlet.CSV_PATH, "Authorization", basic("admin", password));

        assertThat(dashboard.body()).contains("Revenue per hour, last 24 hours", "Revenue per day, last 14 days",
                "Paid and refused requests per hour, last 24 hours", "<svg viewBox=\"0 0 720 180\"", "<rect ",
                "href=\"/admin/charges.csv\"").doesNotContain("<script", "style=\"");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type")).hasValue("text/csv;charset=utf-8");
        List<List<String>> rows = parseCsv(csv.body());
        assertThat(rows.get(0)).containsExactly("time", "item", "path", "amount", "currency", "receipt", "refunded");
        List<dev.tollgate.gateway.ledger.Sales.Charge> charges = demo.site.gateway().report(AdminServlet.CHARGES)
                .recentCharges();
        assertThat(rows).hasSize(charges.size() + 1);
        dev.tollgate.gateway.ledger.Sales.Charge newest = charges.stream()
                .filter(c -> c.resource().equals("/articles/scrip-a-short-history")).findFirst().orElseThrow();
        assertThat(rows).anySatisfy(row -> assertThat(row).containsExactly(newest.at().toString(),
                "Scrip: a short history", "/articles/scrip-a-short-history", "0.05", "USD", newest.receiptId(),
                "false"));
        assertThat(ChargesCsv.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
    }

    /** RFC 4180: rows of CRLF, cells of commas, quoted cells with doubled quotes. */
    private static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new java.util.ArrayList<>();
        List<String> row = new java.util.ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new java.util.ArrayList<>();
                i++;
            } else {
                cell.append(c);
            }
        }
        assertThat(row).as("the file ends with CRLF").isEmpty();
        return rows;
    }

    @Test
    void plainHttpRedirectsToHttps() throws Exception {
        HttpResponse<String> plain = demo.http.send(HttpRequest.newBuilder(
                demo.site.httpUri().orElseThrow().resolve("/articles/free-welcome")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(plain.statusCode()).isEqualTo(301);
        assertThat(plain.headers().firstValue("Location"))
                .hasValue(demo.site.siteUri().resolve("/articles/free-welcome").toString());
    }

    @Test
    void httpsResponsesCarryHsts() throws Exception {
        assertThat(demo.get("/").headers().firstValue("Strict-Transport-Security"))
                .hasValue("max-age=" + SiteServer.HSTS_SECONDS);
    }

    @Test
    void theKeystorePasswordAndAdminPasswordFilesAreOwnerOnly() throws Exception {
        Path data = dir.resolve("data");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve("tls").resolve(Tls.PASSWORD_FILE)))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve(AdminPassword.FILE)))).isEqualTo("rw-------");
        assertThat(Files.readString(data.resolve(AdminPassword.FILE))).startsWith("pbkdf2-sha256:")
                .doesNotContain(demo.site.admin().generated().orElseThrow());
    }

    @Test
    void aPriceEditShowsWithinSecondsAndABrokenEditIsRefusedAndShownOnTheDashboard() throws Exception {
        String yaml = Files.readString(demo.config, StandardCharsets.UTF_8);
        String edited = yaml.replace("price: 0.001 USD", "price: 0.004 USD");
        assertThat(edited).isNotEqualTo(yaml);

        Files.writeString(demo.config, edited, StandardCharsets.UTF_8);
        awaitPage("/", body -> body.contains("0.004 USD"));
        Files.writeString(demo.config, edited.replace("price: 0.004 USD", "price: -1"), StandardCharsets.UTF_8);

        String password = demo.site.admin().generated().orElseThrow();
        String dashboard = awaitPage("/admin", body -> body.contains("The last config edit was refused"),
                "Authorization", basic("admin", password));
        assertThat(dashboard).contains("rules[");
        assertThat(demo.get("/").body()).contains("0.004 USD");
    }

    private static String awaitPage(String path, Predicate<String> condition, String... headers) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        String body = "";
        while (Instant.now().isBefore(deadline)) {
            body = demo.get(path, headers).body();
            if (condition.test(body)) {
                return body;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError(path + " did not change within 15 s; last body:\n" + body);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

}
