package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerFaults;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.settlement.FakeRedemptionBroker;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refund paths of a paid request that fails, through real Jetty and a real ledger, settled against a broker's
 * redemption endpoint: asynchronous responses that fail, time out or err; a refund the ledger cannot record; a
 * per-stream charge whose refund cannot be written or whose entitlement was already used. In every case the money
 * goes back or the charge stands and is claimed, the receipt says which, and the request's hold ends.
 */
final class RefundPathsTest {

    private static final long PRICE = 50_000;
    private static final long BUDGET = 1_000_000;
    private static final String RULES = String.join("\n",
            "settlement:",
            "  interval: 1s",
            "  max-backoff: 1s",
            "rules:",
            "  - match: /async/**",
            "    price: 0.05",
            "  - match: /missing/**",
            "    price: 0.05",
            "  - match: /videos/**",
            "    price: 0.05",
            "    charge: per-stream",
            "    window: 1h",
            "    stream: /videos/{id}/**",
            "");

    @TempDir
    Path dir;

    private FakeRedemptionBroker redemptions;
    private SqliteLedger sqlite;
    private GatewayHarness gateway;
    private final FailingApp app = new FailingApp();
    private final ExecutorService buyer = Executors.newCachedThreadPool();

    /** Starts the gateway on {@code ledger} (the real one, or one wrapping it). */
    private void start(Ledger ledger) throws Exception {
        app.ledger = sqlite;
        redemptions = new FakeRedemptionBroker();
        gateway = new GatewayHarness(dir).extraSettings("", "  redemption-url: " + redemptions.redemptionUri())
                .writeConfig(RULES)
                .serve("/async/*", () -> new ServletHolder(app))
                .serve("/videos/*", () -> new ServletHolder(app))
                .serve("/throws", () -> new ServletHolder(new HttpServlet() {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected void service(HttpServletRequest request, HttpServletResponse response)
                            throws ServletException {
                        throw new ServletException("the app failed while dispatched asynchronously");
                    }
                }))
                .start(ledger);
        redemptions.register(gateway.filter.sellerPublicJwk());
    }

    private void start() throws Exception {
        sqlite = LedgerFaults.open(dir.resolve("ledger.db"));
        start(sqlite);
    }

    @AfterEach
    void stop() throws Exception {
        app.release.countDown();
        buyer.shutdownNow();
        if (gateway != null) {
            gateway.close();
        }
        if (sqlite != null) {
            sqlite.close();
        }
        if (redemptions != null) {
            redemptions.close();
        }
    }

    private String scrip(String jti) {
        return gateway.broker.scrip().jti(jti).budget(Long.toString(BUDGET)).sign();
    }

    private HttpTester.Response paidGet(String path, String token) throws Exception {
        return gateway.paidGet(path, token, PRICE);
    }

    private long remaining(String jti) throws Exception {
        return sqlite.remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER, TestBroker.SELLER, BUDGET,
                "USD", Instant.now().plusSeconds(3600)));
    }

    private int heldRequests() throws Exception {
        return gateway.filter.settlementStatus().heldRequests();
    }

    /** The request's money went back (perhaps just after its answer was sent) and its hold ended. */
    private void assertRefunded(String jti) throws Exception {
        Poll.until("the charge went back", () -> remaining(jti) == BUDGET);
        Poll.until("the request's hold ended", () -> heldRequests() == 0);
        assertThat(redemptions.redeemed(jti)).isZero();
    }

    /** The receipt the buyer got says the charge was refunded, and why. */
    private static void assertReceiptSaysRefunded(HttpTester.Response response, String why) throws Exception {
        SettlementResponse receipt = TollgateFilterTest.receiptOf(response);
        assertThat(receipt.success()).isFalse();
        assertThat(receipt.amount()).isEqualTo("0");
        assertThat(receipt.extra()).containsEntry("refunded", true).containsEntry("remaining", Long.toString(BUDGET));
        assertThat(receipt.errorReason()).isEqualTo("refunded: " + why);
    }

    @Test
    void anAsyncResponseThatTheAppFailsWithAnErrorStatusIsRefunded() throws Exception {
        start();
        HttpTester.Response response = paidGet("/async/error-status", scrip("async-503"));

        assertThat(response.getStatus()).isEqualTo(503);
        assertReceiptSaysRefunded(response, "the content answered 503");
        assertRefunded("async-503");
    }

    @Test
    void anAsyncResponseWhoseAppSetsAnErrorStatusOnTheContainersResponseIsRefundedWhenItCompletes()
            throws Exception {
        start();
        HttpTester.Response response = paidGet("/async/container-status", scrip("async-502"));

        // The status bypassed the paid response, so the receipt was sent before the gateway saw the failure.
        assertThat(response.getStatus()).isEqualTo(502);
        assertRefunded("async-502");
    }

    @Test
    void anAsyncResponseThatTimesOutIsRefunded() throws Exception {
        start();
        HttpTester.Response response = paidGet("/async/timeout", scrip("async-timeout"));

        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(gateway.body(response)).doesNotContain("paid content");
        assertReceiptSaysRefunded(response, "the content timed out");
        assertRefunded("async-timeout");
    }

    @Test
    void anAsyncResponseThatErrsIsRefunded() throws Exception {
        start();
        HttpTester.Response response = paidGet("/async/error", scrip("async-error"));

        // The container answers the exception of a dispatch itself, before the gateway sees it: refunded on completion.
        assertThat(response.getStatus()).isEqualTo(500);
        assertRefunded("async-error");
    }

    @Test
    void aRefundTheLedgerCannotRecordLeavesTheChargeStandingClaimedAndTheReceiptSaysSo() throws Exception {
        sqlite = LedgerFaults.open(dir.resolve("ledger.db"));
        Ledger refundsFail = (Ledger) Proxy.newProxyInstance(Ledger.class.getClassLoader(),
                new Class<?>[] {Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("refund")) {
                        throw new LedgerUnavailableException("ledger write failed: disk full");
                    }
                    try {
                        return method.invoke(sqlite, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        start(refundsFail);

        HttpTester.Response missing = paidGet("/missing/page", scrip("unrecorded"));

        assertThat(missing.getStatus()).isEqualTo(404);
        SettlementResponse receipt = TollgateFilterTest.receiptOf(missing);
        assertThat(receipt.success()).isFalse();
        assertThat(receipt.extra()).containsEntry("refunded", false).doesNotContainKey("remaining");
        assertThat(receipt.errorReason()).isEqualTo("the content answered 404 and the refund could not be recorded "
                + "yet; the seller's records show the charge");
        assertThat(remaining("unrecorded")).isEqualTo(BUDGET - PRICE);
        Poll.until("the charge that stands is claimed", () -> redemptions.redeemed("unrecorded") == PRICE);
        assertThat(heldRequests()).isZero();
    }

    @Test
    void aStreamsFirstRequestWhoseRefundCannotBeWrittenKeepsItsChargeAndItsEntitlement() throws Exception {
        start();
        String token = scrip("stream-unwritten");

        HttpTester.Response failed = paidGet("/videos/abc/fail-unwritten", token);

        assertThat(failed.getStatus()).isEqualTo(500);
        SettlementResponse receipt = TollgateFilterTest.receiptOf(failed);
        assertThat(receipt.extra()).containsEntry("refunded", false);
        assertThat(receipt.errorReason()).contains("could not be recorded");
        assertThat(remaining("stream-unwritten")).isEqualTo(BUDGET - PRICE);

        HttpTester.Response next = paidGet("/videos/abc/segment-2", token);
        assertThat(next.getStatus()).isEqualTo(200);
        assertThat(TollgateFilterTest.receiptOf(next).extra()).as("the stream it paid for stays the buyer's")
                .containsEntry("entitled", true);
        assertThat(TollgateFilterTest.receiptOf(next).transaction()).isEqualTo(receipt.transaction());
        assertThat(remaining("stream-unwritten")).isEqualTo(BUDGET - PRICE);
        Poll.until("the charge that stands is claimed", () -> redemptions.redeemed("stream-unwritten") == PRICE);
        assertThat(heldRequests()).isZero();
    }

    @Test
    void aStreamsFirstRequestThatFailsAfterItsEntitlementWasUsedKeepsItsChargeAndSaysSo() throws Exception {
        start();
        String token = scrip("stream-used");
        Future<HttpTester.Response> first = buyer.submit(() -> gateway.slowGet("/videos/xyz/fail-later",
                PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, PRICE)));
        assertThat(app.entered.await(30, TimeUnit.SECONDS)).isTrue();

        HttpTester.Response second = paidGet("/videos/xyz/segment-2", token); // passes on the entitlement
        assertThat(second.getStatus()).isEqualTo(200);
        app.release.countDown();
        HttpTester.Response failed = first.get(30, TimeUnit.SECONDS);

        assertThat(failed.getStatus()).isEqualTo(500);
        SettlementResponse receipt = TollgateFilterTest.receiptOf(failed);
        assertThat(receipt.extra()).as("the buyer watched the stream it bought").containsEntry("refunded", false);
        assertThat(receipt.errorReason()).isEqualTo("the content answered 500 and the charge stands: what it bought "
                + "was already used");
        assertThat(remaining("stream-used")).isEqualTo(BUDGET - PRICE);
        Poll.until("the charge that stands is claimed", () -> redemptions.redeemed("stream-used") == PRICE);
        assertThat(heldRequests()).isZero();
    }

    /**
     * The seller's app, failing as the last path segment says. Under {@code /async/}: {@code error-status} answers
     * 503 from another thread, {@code container-status} sets 502 on the container's own response, {@code timeout}
     * never completes (200 ms timeout), {@code error} dispatches to a servlet that throws. Under {@code /videos/}:
     * {@code fail-unwritten} makes the ledger's next write fail and answers 500, {@code fail-later} waits for
     * {@link #release} and answers 500; anything else is a segment.
     */
    static final class FailingApp extends HttpServlet {
        private static final long serialVersionUID = 1L;
        final transient CountDownLatch entered = new CountDownLatch(1);
        final transient CountDownLatch release = new CountDownLatch(1);
        transient SqliteLedger ledger;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getRequestURI();
            String name = path.substring(path.lastIndexOf('/') + 1);
            switch (name) {
                case "error-status" -> {
                    AsyncContext async = request.startAsync();
                    async.start(() -> {
                        try {
                            response.sendError(503);
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                        async.complete();
                    });
                }
                case "container-status" -> {
                    AsyncContext async = request.startAsync();
                    async.start(() -> {
                        ((HttpServletResponse) async.getResponse()).setStatus(502);
                        async.complete();
                    });
                }
                case "timeout" -> request.startAsync().setTimeout(200);
                case "error" -> request.startAsync().dispatch("/throws");
                case "fail-unwritten" -> {
                    LedgerFaults.failNextWrite(ledger);
                    response.sendError(500);
                }
                case "fail-later" -> {
                    entered.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    response.sendError(500);
                }
                default -> response.getWriter().write("paid content of " + path);
            }
        }
    }
}
