package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.settlement.FakeRedemptionBroker;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, hole 1: no buyer can keep a charge out of the seller's claims. Through real Jetty, a real ledger and the
 * filter's own settler against a broker's redemption endpoint, a buyer keeps one response open (the app is held on a
 * latch, as a slow reader holds a committed response) while it spends the rest of its scrip: every other charge is
 * claimed at once, the slow one as soon as its content is on its way or its refund window has passed, and in the end
 * the broker has redeemed exactly what was charged less what was refunded.
 */
final class SlowResponseSettlementTest {

    private static final long PRICE = 50_000;
    private static final long BUDGET = 500_000;
    private static final Duration WINDOW = Duration.ofSeconds(20);
    private static final String RULES = String.join("\n",
            "settlement:",
            "  interval: 1s",
            "  max-backoff: 1s",
            "  refund-window: 20s",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "  - match: /missing/**",
            "    price: 0.05",
            "  - match: /slow/**",
            "    price: 0.05",
            "  - match: /videos/**",
            "    price: 0.05",
            "    charge: per-stream",
            "    window: 1h",
            "    stream: /videos/{id}/**",
            "  - match: /meter/**",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 8B",
            "");

    @TempDir
    Path dir;

    private FakeRedemptionBroker redemptions;
    private GatewayHarness gateway;
    private final SlowApp app = new SlowApp();
    private final ExecutorService buyer = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws Exception {
        redemptions = new FakeRedemptionBroker();
        gateway = new GatewayHarness(dir).extraSettings("", "  redemption-url: " + redemptions.redemptionUri())
                .writeConfig(RULES)
                .serve("/slow/*", () -> new ServletHolder(app))
                .serve("/videos/*", () -> new ServletHolder(app))
                .serve("/meter/*", () -> new ServletHolder(app))
                .start();
        redemptions.register(gateway.filter.sellerPublicJwk());
    }

    @AfterEach
    void stop() throws Exception {
        app.releaseAll();
        buyer.shutdownNow();
        gateway.close();
        redemptions.close();
    }

    private String scrip(String jti) {
        return gateway.broker.scrip().jti(jti).budget(Long.toString(BUDGET)).sign();
    }

    private HttpTester.Response paidGet(String path, String token) throws Exception {
        return gateway.paidGet(path, token, PRICE);
    }

    /** Sends a paid GET the app will hold, and waits until the app has it. */
    private Future<HttpTester.Response> slow(String path, String token) throws Exception {
        Future<HttpTester.Response> answer = buyer.submit(() -> gateway.slowGet(path,
                PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, PRICE)));
        String name = path.substring(path.lastIndexOf('/') + 1);
        assertThat(app.gate(name).entered.await(30, TimeUnit.SECONDS)).as("the app got " + path).isTrue();
        return answer;
    }

    private long remaining(String jti) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER,
                TestBroker.SELLER, BUDGET, "USD", Instant.now().plusSeconds(3600)));
    }

    private SettlementStatus status() throws Exception {
        return gateway.filter.settlementStatus();
    }

    /** Polls (the settler runs every second) until the broker has redeemed {@code micros} on the scrip. */
    private void awaitRedeemed(String jti, long micros) throws Exception {
        Poll.until("the broker has redeemed " + micros + " on " + jti, () -> redemptions.redeemed(jti) == micros);
    }

    @Test
    void aSlowReaderKeepsNoChargeOfItsScripFromBeingClaimedOnceItsResponseIsUnderWay() throws Exception {
        String token = scrip("slow-reader");
        Future<HttpTester.Response> slow = slow("/slow/committed", token);

        for (int i = 0; i < 8; i++) {
            assertThat(paidGet("/articles/" + i, token).getStatus()).isEqualTo(200);
        }
        assertThat(paidGet("/missing/x", token).getStatus()).isEqualTo(404); // refunded
        // Nine charges stand: eight articles and the slow response, whose content is on its way.
        awaitRedeemed("slow-reader", 9 * PRICE);
        assertThat(slow.isDone()).as("claimed while the slow response is still being read").isFalse();
        assertThat(status().heldRequests()).isZero();

        app.gate("committed").release.countDown();
        HttpTester.Response done = slow.get(30, TimeUnit.SECONDS);
        assertThat(done.getStatus()).isEqualTo(200);
        assertThat(done.getContent()).isEqualTo("the first part of a long answer and the rest");
        assertThat(BUDGET - remaining("slow-reader")).as("charged less refunded").isEqualTo(9 * PRICE);
        assertThat(redemptions.totalRedeemed()).isEqualTo(9 * PRICE);
        assertThat(redemptions.rejections()).isEmpty();
    }

    @Test
    void aChargeWhoseAppHasNotAnsweredIsHeldBackOnlyUntilTheRefundWindowHasPassed() throws Exception {
        String token = scrip("silent-app");
        Future<HttpTester.Response> silent = slow("/slow/silent", token);
        for (int i = 0; i < 3; i++) {
            assertThat(paidGet("/articles/" + i, token).getStatus()).isEqualTo(200);
        }

        // One cumulative claim: the three articles, without the charge its app may still refund.
        awaitRedeemed("silent-app", 3 * PRICE);
        assertThat(status().heldRequests()).isEqualTo(1);
        assertThat(status().heldMicros()).isEqualTo(PRICE);

        gateway.clock.advance(WINDOW);
        awaitRedeemed("silent-app", 4 * PRICE);
        assertThat(status().heldRequests()).isZero();

        app.gate("silent").release.countDown(); // the app fails now: too late to refund a claimed charge
        HttpTester.Response failed = silent.get(30, TimeUnit.SECONDS);
        assertThat(failed.getStatus()).isEqualTo(500);
        SettlementResponse receipt = TollgateFilterTest.receiptOf(failed);
        assertThat(receipt.extra()).containsEntry("refunded", false);
        assertThat(receipt.errorReason()).contains("answered 500").contains("refund window");
        assertThat(BUDGET - remaining("silent-app")).isEqualTo(4 * PRICE);
        assertThat(redemptions.totalRedeemed()).isEqualTo(4 * PRICE);
    }

    @Test
    void anAsyncRequestItsAppNeverCompletesCannotHoldItsChargeBackPastTheRefundWindow() throws Exception {
        String token = scrip("never-completes");
        Future<HttpTester.Response> hanging = slow("/slow/async", token);
        assertThat(paidGet("/articles/1", token).getStatus()).isEqualTo(200);

        awaitRedeemed("never-completes", PRICE);
        gateway.clock.advance(WINDOW);
        awaitRedeemed("never-completes", 2 * PRICE);
        assertThat(hanging.isDone()).isFalse();
        assertThat(status().heldRequests()).isZero();

        app.gate("async").release.countDown(); // lets the test end: the app completes at last
        assertThat(hanging.get(30, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(redemptions.totalRedeemed()).isEqualTo(2 * PRICE);
    }

    @Test
    void requestsWithoutARefundableChargeOfTheirOwnHoldNothingWhileTheyRun() throws Exception {
        String token = scrip("no-holds");
        assertThat(paidGet("/videos/abc/first", token).getStatus()).isEqualTo(200); // buys the stream
        Future<HttpTester.Response> entitled = slow("/videos/abc/entitled", token);
        Future<HttpTester.Response> metered = slow("/meter/metered", token);

        assertThat(status().heldRequests()).isZero();
        awaitRedeemed("no-holds", PRICE);

        app.gate("entitled").release.countDown();
        app.gate("metered").release.countDown();
        assertThat(entitled.get(30, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
        assertThat(metered.get(30, TimeUnit.SECONDS).getContent()).isEqualTo("sixteen bytes...");
        awaitRedeemed("no-holds", PRICE + 2 * 10_000); // two units of 8 bytes at 0.01
        assertThat(BUDGET - remaining("no-holds")).isEqualTo(PRICE + 20_000);
    }

    /** A latch pair per slow request: the app counts {@code entered} down, then waits for {@code release}. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
    }

    /**
     * The seller's app, slow on demand; the last path segment names its gate. {@code committed} sends a first part
     * and flushes it (the response is committed, as for a slow reader), {@code silent} sends nothing and then fails,
     * {@code async} starts an async response with no timeout and completes it only once released.
     */
    static final class SlowApp extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient Map<String, Gate> gates = new ConcurrentHashMap<>();

        Gate gate(String name) {
            return gates.computeIfAbsent(name, n -> new Gate());
        }

        void releaseAll() {
            gates.values().forEach(g -> g.release.countDown());
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getRequestURI();
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.equals("first")) {
                response.getWriter().write("the stream");
                return;
            }
            Gate gate = gate(name);
            if (name.equals("async")) {
                AsyncContext async = request.startAsync();
                async.setTimeout(0);
                async.start(() -> {
                    awaitRelease(gate);
                    async.complete();
                });
                gate.entered.countDown();
                return;
            }
            if (name.equals("committed")) {
                response.getWriter().write("the first part of a long answer");
                response.flushBuffer();
            }
            gate.entered.countDown();
            awaitRelease(gate);
            if (name.equals("silent")) {
                response.sendError(500);
                return;
            }
            response.getWriter().write(name.equals("committed") ? " and the rest" : "sixteen bytes...");
        }

        private static void awaitRelease(Gate gate) {
            try {
                if (!gate.release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the app");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
