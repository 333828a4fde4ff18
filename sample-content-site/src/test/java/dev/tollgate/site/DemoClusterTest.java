package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.cluster.RedisServer;
import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Two nodes on one Redis": a real {@code redis-server} (AOF on, fsynced always), node 1 started with
 * {@code --redis} (it runs the brokers) and node 2 with the same flags and {@code --node 2}, both in this JVM on one
 * data folder and one config, paid by a program over HTTPS. The nodes' configs are never edited here: their
 * placeholders are system properties, JVM-wide, and a reload would read node 2's.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
final class DemoClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long QUOTE = 1_000;

    @TempDir
    static Path dir;
    private static RedisServer redis;
    private static DemoFixture one;
    private static DemoFixture two;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        one = DemoFixture.start(Files.createDirectories(dir.resolve("demo")), "--redis",
                "redis://127.0.0.1:" + redis.port(), "--settle-interval", "1");
        two = one.node(2);
    }

    @AfterAll
    static void stop() throws Exception {
        try (RedisServer r = redis; DemoFixture o = one; DemoFixture t = two) {
            // closed in reverse order: node 2, node 1 with its brokers, then Redis
        }
    }

    @Test
    void node2ListensTenPortsAboveNode1KeepsItsOwnLedgerAndRunsNoBroker() {
        assertThat(two.site.siteUri().getPort()).isEqualTo(one.site.siteUri().getPort() + 10);
        assertThat(two.site.brokerUri()).isEqualTo(one.site.brokerUri());
        assertThat(one.site.gateway().config().sharedLedger()).isPresent();
        assertThat(two.site.gateway().config().ledgerFile())
                .isEqualTo(dir.resolve("demo/data/node-2/ledger.db").toAbsolutePath());
        assertThat(Main.banner(two.site)).contains("node 2 on redis://127.0.0.1:" + redis.port(), "node 1's");
    }

    @Test
    void anArticleBoughtOnNode1ReReadsFreeOnNode2WithinItsAccessWindow() throws Exception {
        String path = "/articles/paying-by-the-click";
        String token = one.buyScrip(1_000_000);

        HttpResponse<String> bought = one.get(path, PaymentHeaders.PAYMENT_SIGNATURE, one.paymentFor(path, token));
        HttpResponse<String> reRead = two.get(path, PaymentHeaders.PAYMENT_SIGNATURE, two.paymentFor(path, token));

        assertThat(bought.statusCode()).as(bought.body()).isEqualTo(200);
        assertThat(bought.body()).contains("You just paid <strong>0.05 USD</strong>");
        assertThat(reRead.statusCode()).as(reRead.body()).isEqualTo(200);
        assertThat(receipt(reRead).transaction()).as("the receipt of the charge that bought it")
                .isEqualTo(receipt(bought).transaction());
        assertThat(receipt(reRead).amount()).isEqualTo("0");
        assertThat(reRead.body()).contains("Nothing was charged").doesNotContain("You just paid");
        await(() -> revenue(one, path) == 50_000);
        assertThat(revenue(two, path)).isZero();
    }

    @Test
    void aScripSpentOnBothNodesPaysExactlyItsBudgetAndTheReceiptsAddUpToTheCharges() throws Exception {
        long budget = 20 * QUOTE;
        String token = one.buyScrip(budget);
        List<DemoFixture> nodes = List.of(one, two);
        List<String> payments = List.of(one.paymentFor("/api/quote", token), two.paymentFor("/api/quote", token));
        Map<String, Long> receipts = new ConcurrentHashMap<>();
        AtomicIntegerArray paidOn = new AtomicIntegerArray(2);

        // 40 concurrent calls over both nodes on a budget of 20: never more than 20 paid.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int node = i % 2;
                calls.add(pool.submit(() -> payQuote(nodes.get(node), payments.get(node), receipts, paidOn, node)));
            }
            for (Future<Boolean> call : calls) {
                call.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(receipts.size()).isLessThanOrEqualTo(20);

        // Then in turn until the budget is spent: a node answers 503 budget_busy while the other holds a slice, until
        // that slice is used or handed back (idle for 5 s).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (int i = 0; receipts.size() < 20; i++) {
            assertThat(System.nanoTime() - deadline).as("20 quotes paid within 90 s, got " + receipts.size())
                    .isNegative();
            if (!payQuote(nodes.get(i % 2), payments.get(i % 2), receipts, paidOn, i % 2)) {
                Thread.sleep(20); // the polling interval while a slice is held elsewhere
            }
        }

        for (int i = 0; i < 2; i++) {
            assertThat(payQuote(nodes.get(i), payments.get(i), receipts, paidOn, i)).as("the budget is spent")
                    .isFalse();
        }
        assertThat(paidOn.get(0)).as("both nodes charged the one budget").isPositive();
        assertThat(paidOn.get(1)).as("both nodes charged the one budget").isPositive();
        assertThat(receipts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(budget);
        await(() -> revenue(one, "/api/quote") + revenue(two, "/api/quote") == budget);
        assertThat(revenue(one, "/api/quote")).isEqualTo(paidOn.get(0) * QUOTE);
        assertThat(revenue(two, "/api/quote")).isEqualTo(paidOn.get(1) * QUOTE);
    }

    /** Pays one quote on {@code node}: whether it was paid (its receipt recorded, new), else refused (402 or 503). */
    private static boolean payQuote(DemoFixture node, String payment, Map<String, Long> receipts,
                                    AtomicIntegerArray paidOn, int index) throws Exception {
        HttpResponse<String> quote = node.get("/api/quote", PaymentHeaders.PAYMENT_SIGNATURE, payment);
        if (quote.statusCode() != 200) {
            assertThat(quote.statusCode()).as(quote.body()).isIn(402, 503);
            return false;
        }
        SettlementResponse receipt = receipt(quote);
        assertThat(receipts.put(receipt.transaction(), Long.parseLong(receipt.amount()))).isNull();
        paidOn.incrementAndGet(index);
        return true;
    }

    @Test
    void theBrokerCreditsExactlyWhatBothNodesCharged() throws Exception {
        String token = one.buyScrip(1_000_000);
        for (DemoFixture node : List.of(one, two)) {
            String path = node == one ? "/articles/scrip-a-short-history" : "/articles/hash-chains-explained";
            HttpResponse<String> article = node.get(path, PaymentHeaders.PAYMENT_SIGNATURE,
                    node.paymentFor(path, token));
            assertThat(article.statusCode()).as(article.body()).isEqualTo(200);
        }

        // Each node settles its own ledger with the cluster's one seller key; the broker sees one seller.
        await(() -> settled(one) && settled(two) && total(one) > 0 && total(two) > 0
                && redeemedAtBroker() == total(one) + total(two));
    }

    private static SettlementResponse receipt(HttpResponse<String> response) throws Exception {
        return X402Codec.decodeHeader(response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(),
                SettlementResponse.class);
    }

    private static long revenue(DemoFixture node, String path) {
        try {
            return node.site.gateway().report(0).revenueByResource().stream()
                    .filter(r -> r.resource().endsWith(path)).mapToLong(Sales.Resource::revenueMicros).sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long total(DemoFixture node) throws Exception {
        return node.site.gateway().report(0).totalMicros();
    }

    /** Whether the broker has confirmed everything {@code node} charged. */
    private static boolean settled(DemoFixture node) throws Exception {
        return node.site.gateway().report(0).unsettledMicros() == 0;
    }

    /** What the first broker has redeemed of its demo buyer's scrip for the demo seller, over both nodes. */
    private static long redeemedAtBroker() throws Exception {
        HttpResponse<String> me = one.http.send(HttpRequest.newBuilder(one.site.brokerUri().resolve(
                "/v1/accounts/me")).header("Authorization", "Bearer " + one.site.buyer().apiKey()).build(),
                HttpResponse.BodyHandlers.ofString());
        long redeemed = 0;
        for (JsonNode scrip : JSON.readTree(me.body()).path("scrip")) {
            if (scrip.path("seller").asText().equals("daily-byte")) {
                redeemed += Long.parseLong(scrip.path("redeemed").asText());
            }
        }
        return redeemed;
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} until it holds, for at most 60 s. */
    private static void await(Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!check.holds()) {
            assertThat(System.nanoTime() - deadline).as("the condition held within 60 s").isNegative();
            Thread.sleep(50); // the polling interval
        }
    }
}
