package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules restricted to some methods, at run time through a real Jetty, in front of an app that answers every method
 * alike, as a servlet overriding {@code service()} or a lenient framework does: its headers and its body are the paid
 * content. A request is charged exactly when its rule applies, and nothing the app would answer reaches a client that
 * did not pay for it.
 */
final class MethodRulesTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    methods: [GET]",
            "    price: 0.05",
            "  - match: /api/**",
            "    methods: [POST]",
            "    price: 0.01",
            "  - match: /all/**",
            "    price: 0.05",
            "");
    static final String SECRET = "X-Signed-Download";
    static final long BUDGET = 1_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(RULES)
                .serve("/articles/*", () -> new ServletHolder(new AnyMethod()))
                .serve("/api/*", () -> new ServletHolder(new AnyMethod()))
                .serve("/all/*", () -> new ServletHolder(new AnyMethod()))
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /** Answers every method with the paid headers and body, whatever the method's case. */
    static final class AnyMethod extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setHeader(SECRET, "https://cdn.test/signed?token=paid");
            response.setHeader("Location", "https://cdn.test/signed?token=paid");
            response.addCookie(new Cookie("access", "paid"));
            response.setHeader("Access-Control-Allow-Origin", "https://other.test");
            response.setHeader("Access-Control-Allow-Methods", "GET, POST");
            response.setHeader("Allow", "GET, HEAD, POST, OPTIONS");
            response.setContentType("text/plain");
            response.getWriter().write("paid content of " + request.getPathInfo() + " for " + request.getMethod());
        }
    }

    private String token(String jti) {
        return gateway.broker.scrip().jti(jti).budget(Long.toString(BUDGET)).sign();
    }

    private long remaining(String jti) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER,
                TestBroker.SELLER, BUDGET, "USD", Instant.now().plusSeconds(3600)));
    }

    private HttpTester.Response paid(String method, String path, String token) throws Exception {
        return gateway.request(method, path, PaymentHeaders.PAYMENT_SIGNATURE,
                GatewayHarness.paymentHeader(token, 100_000));
    }

    private static void assertNothingPaidLeaks(HttpTester.Response response) {
        assertThat(response.get(SECRET)).isNull();
        assertThat(response.get("Location")).isNull();
        assertThat(response.get("Set-Cookie")).isNull();
        assertThat(response.getContent()).doesNotContain("paid content");
    }

    @Test
    void aPostAgainstAGetOnlyRuleIsNotChargedAndGetsNoPayment() throws Exception {
        String token = token("m-post");

        HttpTester.Response response = paid("POST", "/articles/one", token);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.get(PaymentHeaders.PAYMENT_RESPONSE)).isNull();
        assertThat(remaining("m-post")).isEqualTo(BUDGET);
        assertThat(gateway.get("/articles/one").getStatus()).isEqualTo(402);
    }

    @Test
    void aPostOnlyRuleChargesPostsAndLeavesGetsFree() throws Exception {
        String token = token("m-api");

        assertThat(gateway.request("POST", "/api/quote").getStatus()).isEqualTo(402);
        HttpTester.Response post = paid("POST", "/api/quote", token);
        HttpTester.Response get = gateway.get("/api/quote");

        assertThat(post.getStatus()).isEqualTo(200);
        assertThat(TollgateFilterTest.receiptOf(post).amount()).isEqualTo("10000");
        assertThat(get.getStatus()).isEqualTo(200);
        assertThat(get.get(PaymentHeaders.PAYMENT_RESPONSE)).isNull();
        assertThat(remaining("m-api")).isEqualTo(BUDGET - 10_000);
    }

    @Test
    void anUnpaidHeadUnderAGetRuleGetsThe402AndNoneOfTheAppsHeaders() throws Exception {
        HttpTester.Response unpaid = gateway.request("HEAD", "/articles/one");
        HttpTester.Response poor = gateway.request("HEAD", "/articles/one", PaymentHeaders.PAYMENT_SIGNATURE,
                GatewayHarness.paymentHeader(gateway.broker.scrip().jti("m-poor").budget("10").sign(), 100_000));
        HttpTester.Response forged = gateway.request("HEAD", "/articles/one", PaymentHeaders.PAYMENT_SIGNATURE,
                GatewayHarness.paymentHeader(token("m-forged") + "x", 100_000));

        for (HttpTester.Response response : new HttpTester.Response[] {unpaid, poor, forged}) {
            assertThat(response.getStatus()).isEqualTo(402);
            assertThat(response.get(PaymentHeaders.PAYMENT_REQUIRED)).isNotNull();
            assertNothingPaidLeaks(response);
        }
    }

    @Test
    void aPaidHeadUnderAGetRuleIsChargedLikeAGet() throws Exception {
        String token = token("m-head");

        HttpTester.Response head = paid("HEAD", "/articles/one", token);

        assertThat(head.getStatus()).isEqualTo(200);
        assertThat(head.get(SECRET)).isNotNull();
        assertThat(TollgateFilterTest.receiptOf(head).amount()).isEqualTo("50000");
        assertThat(remaining("m-head")).isEqualTo(BUDGET - 50_000);
    }

    @Test
    void lowerCaseMethodsAreChargedLikeTheirUpperCaseAndLeakNothingUnpaid() throws Exception {
        String token = token("m-lower");

        HttpTester.Response unpaidGet = gateway.request("get", "/articles/one");
        HttpTester.Response unpaidHead = gateway.request("head", "/articles/one");
        HttpTester.Response paidGet = paid("get", "/articles/one", token);
        HttpTester.Response freePost = paid("post", "/articles/one", token);
        HttpTester.Response paidPost = paid("post", "/api/quote", token);

        assertThat(unpaidGet.getStatus()).isEqualTo(402);
        assertNothingPaidLeaks(unpaidGet);
        assertThat(unpaidHead.getStatus()).isEqualTo(402);
        assertNothingPaidLeaks(unpaidHead);
        assertThat(paidGet.getStatus()).isEqualTo(200);
        assertThat(paidGet.getContent()).isEqualTo("paid content of /one for get");
        assertThat(freePost.get(PaymentHeaders.PAYMENT_RESPONSE)).isNull();
        assertThat(TollgateFilterTest.receiptOf(paidPost).amount()).isEqualTo("10000");
        assertThat(remaining("m-lower")).isEqualTo(BUDGET - 50_000 - 10_000);
    }

    @Test
    void anOptionsRequestOnAPricedPathPassesUnchargedWithOnlyItsCorsAnswer() throws Exception {
        String token = token("m-options");

        for (String method : new String[] {"OPTIONS", "options"}) {
            for (String path : new String[] {"/all/one", "/articles/one", "/api/quote"}) {
                HttpTester.Response preflight = gateway.request(method, path, "Origin", "https://other.test",
                        "Access-Control-Request-Method", "GET");
                HttpTester.Response plain = paid(method, path, token);

                for (HttpTester.Response response : new HttpTester.Response[] {preflight, plain}) {
                    assertThat(response.getStatus()).as(method + " " + path).isEqualTo(200);
                    assertNothingPaidLeaks(response);
                    assertThat(response.get("Access-Control-Allow-Origin")).isEqualTo("https://other.test");
                    assertThat(response.get("Access-Control-Allow-Methods")).isEqualTo("GET, POST");
                    assertThat(response.get("Allow")).isEqualTo("GET, HEAD, POST, OPTIONS");
                    assertThat(response.get(PaymentHeaders.PAYMENT_RESPONSE)).isNull();
                }
            }
        }
        assertThat(remaining("m-options")).isEqualTo(BUDGET);
    }

    @Test
    void anAppThatGoesAsyncOnAnOptionsRequestStillSendsNothingPaid() throws Exception {
        gateway.stop();
        gateway.serve("/all/async/*", () -> new ServletHolder(new AsyncAnyMethod())).start();

        HttpTester.Response options = gateway.request("OPTIONS", "/all/async/one", "Origin", "https://other.test");

        assertThat(options.getStatus()).isEqualTo(200);
        assertNothingPaidLeaks(options);
        assertThat(options.getContent()).isEmpty();
        assertThat(options.get("Access-Control-Allow-Origin")).isEqualTo("https://other.test");
    }

    /** Answers every method from another thread, through the response {@code startAsync()} hands it. */
    static final class AsyncAnyMethod extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                try {
                    new AnyMethod().service(request, (HttpServletResponse) async.getResponse());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                async.complete();
            });
        }
    }
}
