package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.SettlementResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-stream rules through a real Jetty whose ResourceServlet serves real video files with Range, If-Range and
 * HEAD: one charge per video and window, whatever a player sends meanwhile.
 */
final class PerStreamTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /videos/**",
            "    price: 0.10",
            "    charge: per-stream",
            "    window: 4h",
            "    stream: /videos/{id}/**",
            "");
    static final long PRICE = 100_000;
    static final long BUDGET = 1_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;
    byte[] movie;
    byte[] segment;

    @BeforeEach
    void start() throws Exception {
        Path abc = Files.createDirectories(dir.resolve("content").resolve("abc"));
        Files.createDirectories(dir.resolve("content").resolve("xyz"));
        movie = new byte[20_000];
        for (int i = 0; i < movie.length; i++) {
            movie[i] = (byte) (i * 31);
        }
        segment = "segment one".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Files.write(abc.resolve("movie.mp4"), movie);
        Files.write(abc.resolve("seg-1.ts"), segment);
        Files.write(dir.resolve("content").resolve("xyz").resolve("movie.mp4"), movie);
        gateway = new GatewayHarness(dir).writeConfig(RULES)
                .serve("/videos/*", () -> MeteredTest.files(dir.resolve("content")));
        gateway.start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private String scrip(String jti) {
        return scrip(jti, TestBroker.BUYER);
    }

    private String scrip(String jti, String buyer) {
        return gateway.broker.scrip().jti(jti).subject(buyer).budget(Long.toString(BUDGET))
                .expiresAt(gateway.clock.instant().plus(Duration.ofHours(30))).sign();
    }

    private long remaining(String jti) throws Exception {
        return remaining(jti, TestBroker.BUYER);
    }

    private long remaining(String jti, String buyer) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, buyer, TestBroker.SELLER,
                BUDGET, "USD", Instant.now().plusSeconds(3600)));
    }

    private HttpTester.Response paid(String method, String path, String token, String... headers) throws Exception {
        String[] all = Arrays.copyOf(headers, headers.length + 2);
        all[headers.length] = "PAYMENT-SIGNATURE";
        all[headers.length + 1] = GatewayHarness.paymentHeader(token, PRICE);
        return gateway.request(method, path, all);
    }

    @Test
    void manyRangeRequestsOfOneVideoInTheWindowAreChargedOnce() throws Exception {
        String token = scrip("s-ranges");

        HttpTester.Response first = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-99");
        HttpTester.Response second = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=100-");
        HttpTester.Response seg = paid("GET", "/videos/abc/seg-1.ts", token);
        HttpTester.Response whole = paid("GET", "/videos/abc/movie.mp4", token);

        assertThat(first.getStatus()).isEqualTo(206);
        assertThat(first.getContentBytes()).isEqualTo(Arrays.copyOf(movie, 100));
        assertThat(second.getStatus()).isEqualTo(206);
        assertThat(second.get("Content-Range")).isEqualTo("bytes 100-19999/20000");
        assertThat(second.getContentBytes()).isEqualTo(Arrays.copyOfRange(movie, 100, movie.length));
        assertThat(seg.getContentBytes()).isEqualTo(segment);
        assertThat(whole.getContentBytes()).isEqualTo(movie);
        assertThat(remaining("s-ranges")).isEqualTo(BUDGET - PRICE);

        SettlementResponse bought = TollgateFilterTest.receiptOf(first);
        assertThat(bought.amount()).isEqualTo("100000");
        assertThat(bought.extra()).containsEntry("stream", "/videos/abc").containsEntry("entitled", false)
                .containsEntry("charge", "per-stream");
        long until = ((Number) bought.extra().get("until")).longValue();
        assertThat(until).isEqualTo(gateway.clock.instant().plus(Duration.ofHours(4)).getEpochSecond());
        for (HttpTester.Response passed : List.of(second, seg, whole)) {
            SettlementResponse receipt = TollgateFilterTest.receiptOf(passed);
            assertThat(receipt.amount()).isEqualTo("0");
            assertThat(receipt.transaction()).isEqualTo(bought.transaction());
            assertThat(receipt.extra()).containsEntry("entitled", true).containsEntry("stream", "/videos/abc");
            assertThat(((Number) receipt.extra().get("until")).longValue()).isEqualTo(until);
        }
    }

    @Test
    void anAppThatGoesAsyncOnSegmentsInTheWindowWritesThroughTheGatewaysResponseAndStaysPrivate() throws Exception {
        gateway.stop();
        gateway.serve("/videos/async/*", () -> new org.eclipse.jetty.ee10.servlet.ServletHolder(
                new FreeAllowanceTest.AsyncApp())).start();
        String token = scrip("s-async");

        HttpTester.Response bought = paid("GET", "/videos/async/seg-1.ts", token);
        HttpTester.Response second = paid("GET", "/videos/async/seg-2.ts", token);
        HttpTester.Response reused = paid("GET", "/videos/async/seg-3.ts", token); // the cached receipt header

        assertThat(TollgateFilterTest.receiptOf(bought).amount()).isEqualTo("100000");
        for (HttpTester.Response response : new HttpTester.Response[] {second, reused}) {
            assertThat(TollgateFilterTest.receiptOf(response).amount()).isEqualTo("0");
        }
        for (HttpTester.Response response : new HttpTester.Response[] {bought, second, reused}) {
            assertThat(gateway.body(response)).isEqualTo("written after startAsync()");
            // Written through the container's own response, the app's public caching would reach a shared cache.
            assertThat(response.get("Cache-Control")).isEqualTo("private, max-age=3600");
        }
        assertThat(remaining("s-async")).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void aPassedSegmentsReceiptTellsTheBudgetLeftNowAfterTheScripPaidElsewhere() throws Exception {
        String token = scrip("s-receipts");
        paid("GET", "/videos/abc/seg-1.ts", token);
        SettlementResponse before = TollgateFilterTest.receiptOf(
                paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9"));

        paid("GET", "/videos/xyz/movie.mp4", token, "Range", "bytes=0-9"); // another stream, the same scrip
        HttpTester.Response again = paid("GET", "/videos/abc/seg-1.ts", token);

        assertThat(before.extra()).containsEntry("remaining", String.valueOf(BUDGET - PRICE));
        SettlementResponse after = TollgateFilterTest.receiptOf(again);
        assertThat(after.transaction()).isEqualTo(before.transaction());
        assertThat(after.extra()).containsEntry("remaining", String.valueOf(BUDGET - 2 * PRICE))
                .containsEntry("entitled", true);
    }

    @Test
    void anotherVideoIsAnotherStream() throws Exception {
        String token = scrip("s-two");

        paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");
        paid("GET", "/videos/xyz/movie.mp4", token, "Range", "bytes=0-9");

        assertThat(remaining("s-two")).isEqualTo(BUDGET - 2 * PRICE);
    }

    @Test
    void afterTheWindowTheStreamIsChargedAgain() throws Exception {
        String token = scrip("s-window");
        paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");
        gateway.clock.advance(Duration.ofHours(4).minusSeconds(1));
        paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=10-19");
        assertThat(remaining("s-window")).isEqualTo(BUDGET - PRICE);

        gateway.clock.advance(Duration.ofSeconds(2));
        HttpTester.Response again = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=20-29");

        assertThat(again.getStatus()).isEqualTo(206);
        assertThat(TollgateFilterTest.receiptOf(again).amount()).isEqualTo("100000");
        assertThat(remaining("s-window")).isEqualTo(BUDGET - 2 * PRICE);
    }

    @Test
    void parallelFirstRequestsOfAStreamAreChargedOnce() throws Exception {
        String token = scrip("s-parallel");
        int requests = 8;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpTester.Response>> responses = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int from = i * 100;
                responses.add(pool.submit(() -> {
                    go.await();
                    return paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=" + from + "-" + (from + 99));
                }));
            }
            go.countDown();
            int charged = 0;
            for (int i = 0; i < requests; i++) {
                HttpTester.Response response = responses.get(i).get(30, TimeUnit.SECONDS);
                assertThat(response.getStatus()).isEqualTo(206);
                assertThat(response.getContentBytes()).isEqualTo(Arrays.copyOfRange(movie, i * 100, i * 100 + 100));
                charged += TollgateFilterTest.receiptOf(response).amount().equals("0") ? 0 : 1;
            }
            assertThat(charged).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(remaining("s-parallel")).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void theEntitlementSurvivesARestartAndCoversTheBuyersOtherScrip() throws Exception {
        paid("GET", "/videos/abc/movie.mp4", scrip("s-before"), "Range", "bytes=0-9");

        gateway.stop();
        gateway.start();
        HttpTester.Response after = paid("GET", "/videos/abc/movie.mp4", scrip("s-after"), "Range", "bytes=10-19");

        assertThat(after.getStatus()).isEqualTo(206);
        assertThat(after.getContentBytes()).isEqualTo(Arrays.copyOfRange(movie, 10, 20));
        assertThat(TollgateFilterTest.receiptOf(after).amount()).isEqualTo("0");
        assertThat(remaining("s-before")).isEqualTo(BUDGET - PRICE);
        assertThat(remaining("s-after")).isEqualTo(BUDGET);
    }

    @Test
    void anotherBuyerPaysForTheSameStream() throws Exception {
        paid("GET", "/videos/abc/movie.mp4", scrip("s-one"), "Range", "bytes=0-9");

        HttpTester.Response other = paid("GET", "/videos/abc/movie.mp4", scrip("s-other", "buyer-2"),
                "Range", "bytes=0-9");

        assertThat(TollgateFilterTest.receiptOf(other).amount()).isEqualTo("100000");
        assertThat(remaining("s-other", "buyer-2")).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void headAndIfRangeWorkAsAPlayerExpectsAndChargeOnce() throws Exception {
        String token = scrip("s-head");

        HttpTester.Response head = paid("HEAD", "/videos/abc/movie.mp4", token);
        assertThat(head.getStatus()).isEqualTo(200);
        assertThat(head.get("Content-Length")).isEqualTo("20000");
        assertThat(head.get("Accept-Ranges")).isEqualTo("bytes");
        String etag = head.get("ETag");
        assertThat(etag).isNotBlank();
        HttpTester.Response matching = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=50-59",
                "If-Range", etag);
        HttpTester.Response stale = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=50-59",
                "If-Range", "\"another-version\"");
        HttpTester.Response headAgain = paid("HEAD", "/videos/abc/movie.mp4", token);

        assertThat(matching.getStatus()).isEqualTo(206);
        assertThat(matching.getContentBytes()).isEqualTo(Arrays.copyOfRange(movie, 50, 60));
        // A stale validator is the app's to judge (Jetty's ResourceServlet ignores If-Range); either answer is
        // whole and correct, and neither is charged.
        assertThat(stale.getContentBytes()).isEqualTo(stale.getStatus() == 200 ? movie
                : Arrays.copyOfRange(movie, 50, 60));
        assertThat(TollgateFilterTest.receiptOf(headAgain).amount()).isEqualTo("0");
        assertThat(remaining("s-head")).isEqualTo(BUDGET - PRICE);
        assertThat(gateway.request("HEAD", "/videos/abc/movie.mp4").getStatus()).isEqualTo(402);
    }

    @Test
    void aFailedFirstRequestIsRefundedAndEntitlesNothing() throws Exception {
        String token = scrip("s-refund");

        HttpTester.Response missing = paid("GET", "/videos/abc/absent.mp4", token);
        assertThat(missing.getStatus()).isEqualTo(404);
        assertThat(TollgateFilterTest.receiptOf(missing).extra()).containsEntry("refunded", true);
        assertThat(remaining("s-refund")).isEqualTo(BUDGET);

        HttpTester.Response next = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");
        assertThat(TollgateFilterTest.receiptOf(next).amount()).isEqualTo("100000");
        assertThat(remaining("s-refund")).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void aLedgerThatIsDownServesNoStream() throws Exception {
        String token = scrip("s-down");
        gateway.filter.recordingLedger().close();

        HttpTester.Response response = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(gateway.body(response)).contains("ledger_unavailable");
    }

    @Test
    void aScripThatCannotPayTheStreamIsRefused() throws Exception {
        String token = gateway.broker.scrip().jti("s-poor").budget("99999").sign();

        HttpTester.Response response = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("insufficient_budget");
    }

    /** Rewrites the config and waits until the filter runs the rule as {@code applied} says. */
    private void reloadWith(String rules, java.util.function.Predicate<PriceRule> applied) throws Exception {
        gateway.writeConfig(rules);
        ConfigReloadTest.awaitTrue(() -> applied.test(gateway.filter.config().rules().get(0)));
    }

    @Test
    void editingTheGlobOfARuleWithAnIdKeepsWhatItSoldAcrossAHotReload() throws Exception {
        String withId = RULES.replace("    window: 4h\n", "    window: 4h\n    id: films\n");
        reloadWith(withId.replace("stream: /videos/{id}/**", "stream: /videos/{film}/**"),
                rule -> rule.id().isPresent());
        String token = scrip("s-edited");
        HttpTester.Response bought = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");

        reloadWith(withId.replace("match: /videos/**", "match: /videos/*/*"),
                rule -> rule.match().equals("/videos/*/*"));
        HttpTester.Response after = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=10-19");

        assertThat(TollgateFilterTest.receiptOf(bought).amount()).isEqualTo("100000");
        assertThat(after.getStatus()).isEqualTo(206);
        assertThat(TollgateFilterTest.receiptOf(after).amount()).as("the viewer is not charged again").isEqualTo("0");
        assertThat(TollgateFilterTest.receiptOf(after).transaction()).isEqualTo(
                TollgateFilterTest.receiptOf(bought).transaction());
        assertThat(remaining("s-edited")).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void editingTheGlobOfARuleWithAStreamPatternKeepsWhatItSoldWithoutAnId() throws Exception {
        String token = scrip("s-glob");
        paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=0-9");

        reloadWith(RULES.replace("match: /videos/**", "match: /videos/*/*"),
                rule -> rule.match().equals("/videos/*/*"));
        HttpTester.Response after = paid("GET", "/videos/abc/movie.mp4", token, "Range", "bytes=10-19");

        assertThat(TollgateFilterTest.receiptOf(after).amount()).isEqualTo("0");
        assertThat(remaining("s-glob")).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void anEntitlementSoldByOneRuleDoesNotCoverAnotherRuleWithTheSameStreamKey() throws Exception {
        Path content = dir.resolve("content");
        Files.write(Files.createDirectories(content.resolve("abc").resolve("4k")).resolve("movie.mp4"), movie);
        try (GatewayHarness two = new GatewayHarness(Files.createDirectories(dir.resolve("two"))).writeConfig(
                String.join("\n",
                        "rules:",
                        "  - match: /videos/*/4k/**",
                        "    id: films-4k",
                        "    price: 1.00",
                        "    charge: per-stream",
                        "    stream: /videos/{id}/**",
                        "  - match: /videos/**",
                        "    id: films",
                        "    price: 0.10",
                        "    charge: per-stream",
                        "    stream: /videos/{id}/**",
                        "")).serve("/videos/*", () -> MeteredTest.files(content))) {
            two.start();
            String token = two.broker.scrip().jti("s-two-rules").budget("5000000")
                    .expiresAt(two.clock.instant().plus(Duration.ofHours(30))).sign();
            String payment = GatewayHarness.paymentHeader(token, 1_000_000);

            HttpTester.Response cheap = two.request("GET", "/videos/abc/movie.mp4", "PAYMENT-SIGNATURE", payment);
            HttpTester.Response dear = two.request("GET", "/videos/abc/4k/movie.mp4", "PAYMENT-SIGNATURE", payment);
            HttpTester.Response again = two.request("GET", "/videos/abc/4k/movie.mp4", "PAYMENT-SIGNATURE", payment);

            assertThat(TollgateFilterTest.receiptOf(cheap).amount()).isEqualTo("100000");
            assertThat(TollgateFilterTest.receiptOf(dear).amount()).as("the 4K stream is sold by its own rule")
                    .isEqualTo("1000000");
            assertThat(TollgateFilterTest.receiptOf(again).amount()).isEqualTo("0");
            assertThat(dear.getContentBytes()).isEqualTo(movie);
        }
    }
}
