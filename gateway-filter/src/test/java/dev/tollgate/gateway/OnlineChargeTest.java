package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.settlement.OnlineVoids;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Online charges (PROTOCOL.md section 7) through a real Jetty gateway and a real Jetty fake broker. */
final class OnlineChargeTest {

    static final String RULES = String.join("\n",
            "online-timeout: 1s",
            "settlement:",
            "  interval: 1s",
            "  max-backoff: 1s",
            "online-above: 1.00",
            "rules:",
            "  - match: /live/**",
            "    price: 0.25",
            "    confirm: online",
            "  - match: /news/**",
            "    price: 0.05",
            "  - match: /premium/**",
            "    price: 2.00",
            "  - match: /cheap/**",
            "    price: 0.10",
            "    confirm: offline",
            "  - match: /missing/**",
            "    price: 0.25",
            "    confirm: online",
            "  - match: /boom",
            "    price: 0.25",
            "    confirm: online",
            "  - match: /late",
            "    price: 0.25",
            "    confirm: online",
            "");

    @TempDir
    Path dir;

    GatewayHarness gateway;
    FakeChargeBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeChargeBroker();
        gateway = new GatewayHarness(dir);
        // Fails only after the refund window has passed (the app's work took that long, by the gateway's clock).
        gateway.serve("/late", () -> new org.eclipse.jetty.ee10.servlet.ServletHolder(new jakarta.servlet.http.HttpServlet() {
            @Override
            protected void service(jakarta.servlet.http.HttpServletRequest request,
                                   jakarta.servlet.http.HttpServletResponse response) throws java.io.IOException {
                gateway.clock.advance(GatewayConfig.Settlement.DEFAULT_REFUND_WINDOW.plusSeconds(1));
                response.sendError(500);
            }
        }));
        Files.writeString(gateway.configFile, GatewayHarness.config(gateway.jwks.jwksUri(), RULES)
                .replace("  clock-skew: 0s\n", "  clock-skew: 0s\n  charge-url: " + broker.chargeUri() + "\n"
                        + "  redemption-url: " + broker.chargeUri().resolve("/v1/redemptions") + "\n"));
        gateway.start();
        broker.register(gateway.filter.sellerPublicJwk());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        broker.close();
    }

    private static SettlementResponse receiptOf(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_RESPONSE), SettlementResponse.class);
    }

    private static String errorOf(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_REQUIRED), PaymentRequired.class).error();
    }

    private long remaining(String jti, long budget) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER,
                TestBroker.SELLER, budget, "USD", Instant.now()));
    }

    private void assertRefusedAndRefunded(HttpTester.Response response, String error, String jti, long budget)
            throws Exception {
        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(errorOf(response)).isEqualTo(error);
        assertThat(gateway.body(response)).doesNotContain("content of");
        assertThat(response.get("X-Paid")).isNull();
        assertThat(remaining(jti, budget)).isEqualTo(budget);
        assertThat(gateway.filter.ledger().pendingVoids(10)).as("the broker refused: nothing to void").isEmpty();
    }

    /**
     * The answer when the broker's outcome stays unknown: 503 {@code broker_unavailable} with Retry-After, nothing
     * served, the local charge refunded, and its void sent to the broker by the settler.
     */
    private void assertUnavailableRefundedAndVoided(HttpTester.Response response, String jti, long budget)
            throws Exception {
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.get("Retry-After")).isNotNull();
        assertThat(gateway.body(response)).contains("broker_unavailable").contains("nothing was charged")
                .doesNotContain("content of");
        assertThat(remaining(jti, budget)).isEqualTo(budget);
        List<String> receipts = List.copyOf(new java.util.LinkedHashSet<>(broker.attempted(jti)));
        assertThat(receipts).as("one charge id, however many attempts").hasSize(1);
        await("the void of " + receipts.get(0) + " reached the broker", () -> broker.voided().contains(receipts.get(0)));
        await("the outbox is empty", () -> gateway.filter.ledger().pendingVoids(10).isEmpty());
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (!condition.call()) {
            assertThat(System.nanoTime()).as("timed out waiting until " + what).isLessThan(deadline);
            Thread.sleep(5); // polling interval, not a wait for the condition
        }
    }

    @Test
    void rulesAreResolvedOnlineOrOfflineAtLoad() {
        List<PriceRule> rules = gateway.filter.config().rules();
        assertThat(rules).extracting(PriceRule::online).containsExactly(true, false, true, false, true, true, true);
        assertThat(gateway.filter.config().broker().chargeUri()).isEqualTo(broker.chargeUri());
    }

    @Test
    void anOnlineChargeConfirmedByTheBrokerIsServedWithTheConfirmation() throws Exception {
        String token = gateway.broker.scrip().jti("j-ok").budget("1000000").sign();

        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).isEqualTo("content of /live/one");
        SettlementResponse receipt = receiptOf(response);
        assertThat(receipt.success()).isTrue();
        assertThat(receipt.amount()).isEqualTo("250000");
        assertThat(receipt.extra()).containsEntry("remaining", "750000")
                .containsEntry("confirmation", "confirmation-of-" + receipt.transaction());
        assertThat(broker.rejections()).isEmpty();
        assertThat(broker.charges()).singleElement().satisfies(charge -> {
            assertThat(charge.path("jti").asText()).isEqualTo(receipt.transaction());
            assertThat(charge.path("scrip").asText()).isEqualTo("j-ok");
            assertThat(charge.path("amount").asText()).isEqualTo("250000");
            assertThat(charge.path("iss").asText()).isEqualTo(TestBroker.SELLER);
            assertThat(charge.path("aud").asText()).isEqualTo(TestBroker.ISSUER);
            assertThat(charge.path("exp").asLong() - charge.path("iat").asLong()).isEqualTo(60);
        });
        assertThat(remaining("j-ok", 1_000_000)).isEqualTo(750_000);
    }

    @Test
    void aBrokerRefusalForInsufficientBudgetRefundsAndAnswers402() throws Exception {
        broker.mode(Mode.INSUFFICIENT);
        String token = gateway.broker.scrip().jti("j-poor").budget("1000000").sign();

        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);

        assertRefusedAndRefunded(response, "insufficient_budget", "j-poor", 1_000_000);
        assertThat(broker.requests()).isEqualTo(1);
    }

    @Test
    void anExpiredScripAtTheBrokerIsExpiredToken() throws Exception {
        broker.mode(Mode.EXPIRED);
        String token = gateway.broker.scrip().jti("j-gone").budget("1000000").sign();

        assertRefusedAndRefunded(gateway.paidGet("/live/one", token, 250_000), "expired_token", "j-gone",
                1_000_000);
    }

    @Test
    void aFailingBrokerFailsClosedRefundsAndVoids() throws Exception {
        broker.mode(Mode.UNAVAILABLE);
        String token = gateway.broker.scrip().jti("j-503").budget("1000000").sign();

        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);

        assertThat(broker.requests()).as("a 5xx is retried within the timeout").isGreaterThan(1);
        broker.mode(Mode.CHARGE);
        assertUnavailableRefundedAndVoided(response, "j-503", 1_000_000);
    }

    @Test
    void aBrokerSlowerThanTheTimeoutFailsClosedRefundsAndVoids() throws Exception {
        broker.mode(Mode.SLOW);
        String token = gateway.broker.scrip().jti("j-slow").budget("1000000").sign();

        long start = System.nanoTime();
        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(millis).as("retries stay within the online timeout").isLessThan(2_500);
        broker.mode(Mode.CHARGE);
        assertUnavailableRefundedAndVoided(response, "j-slow", 1_000_000);
    }

    @Test
    void aLostAnswerIsAskedForAgainWithTheSameChargeAndServedOnce() throws Exception {
        broker.dropAnswers(1);
        String token = gateway.broker.scrip().jti("j-lost").budget("1000000").sign();

        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).isEqualTo("content of /live/one");
        SettlementResponse receipt = receiptOf(response);
        assertThat(receipt.extra()).containsEntry("confirmation", "confirmation-of-" + receipt.transaction());
        assertThat(broker.attempted("j-lost")).as("the same charge id both times")
                .containsExactly(receipt.transaction(), receipt.transaction());
        assertThat(broker.charges()).hasSize(1);
        assertThat(remaining("j-lost", 1_000_000)).isEqualTo(750_000);
        assertThat(gateway.filter.ledger().pendingVoids(10)).isEmpty();
    }

    @Test
    void answersLostEveryTimeFailClosedAndTheChargeIsVoided() throws Exception {
        broker.dropAnswers(Integer.MAX_VALUE);
        String token = gateway.broker.scrip().jti("j-lost").budget("1000000").sign();

        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);

        assertThat(broker.charges()).as("the broker recorded the charge").hasSize(1);
        assertUnavailableRefundedAndVoided(response, "j-lost", 1_000_000);
    }

    @Test
    void anOnlineChargeWhoseContentFailsIsRefundedAndVoided() throws Exception {
        String token = gateway.broker.scrip().jti("j-fail").budget("1000000").sign();

        HttpTester.Response missing = gateway.paidGet("/missing/one", token, 250_000);
        assertThat(missing.getStatus()).isEqualTo(404);
        SettlementResponse receipt = receiptOf(missing);
        assertThat(receipt.extra()).containsEntry("refunded", true);
        await("the void of " + receipt.transaction() + " reached the broker",
                () -> broker.voided().contains(receipt.transaction()));
        assertThat(remaining("j-fail", 1_000_000)).isEqualTo(1_000_000);

        assertThat(gateway.paidGet("/boom", token, 250_000).getStatus()).isEqualTo(500);
        assertThat(broker.charges()).hasSize(2);
        String thrown = broker.charges().get(1).path("jti").asText();
        await("the void of " + thrown + " reached the broker", () -> broker.voided().contains(thrown));
        assertThat(remaining("j-fail", 1_000_000)).isEqualTo(1_000_000);
        await("the outbox is empty", () -> gateway.filter.ledger().pendingVoids(10).isEmpty());
    }

    @Test
    void anOnlineChargeFinalBeforeItsContentFailedIsNeitherRefundedNorVoided() throws Exception {
        String token = gateway.broker.scrip().jti("j-late").budget("1000000").sign();

        HttpTester.Response late = gateway.paidGet("/late", token, 250_000);

        assertThat(late.getStatus()).isEqualTo(500);
        SettlementResponse receipt = receiptOf(late);
        assertThat(receipt.extra()).containsEntry("refunded", false);
        assertThat(receipt.errorReason()).contains("the refund window had passed");
        assertThat(remaining("j-late", 1_000_000)).as("the charge stands").isEqualTo(750_000);
        assertThat(gateway.filter.ledger().pendingVoids(10)).as("a charge that stands is not voided").isEmpty();
        assertThat(broker.charges()).hasSize(1);
        assertThat(broker.voided()).isEmpty();
    }

    @Test
    void whileTooManyVoidsWaitOnAScripItsOnlineChargesAreRefusedBeforeAnythingIsCharged() throws Exception {
        broker.refuseVoids(true);
        String token = gateway.broker.scrip().jti("j-many").budget("1000000").sign();
        for (int i = 0; i < OnlineVoids.MAX_PENDING_PER_SCRIP; i++) {
            assertThat(gateway.paidGet("/missing/" + i, token, 250_000).getStatus()).isEqualTo(404);
        }
        int attempts = broker.attempted("j-many").size();

        HttpTester.Response refused = gateway.paidGet("/live/one", token, 250_000);

        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(gateway.body(refused)).contains("broker_unavailable").contains("nothing was charged");
        assertThat(broker.attempted("j-many")).as("the broker was not asked").hasSize(attempts);
        assertThat(remaining("j-many", 1_000_000)).isEqualTo(1_000_000);
        assertThat(gateway.filter.ledger().pendingVoids(100)).hasSize(OnlineVoids.MAX_PENDING_PER_SCRIP);
        // Other scrip are not held back, and this one pays again once the broker takes the voids.
        String other = gateway.broker.scrip().jti("j-other").budget("1000000").sign();
        assertThat(gateway.paidGet("/live/one", other, 250_000).getStatus()).isEqualTo(200);
        broker.refuseVoids(false);
        await("the outbox is empty", () -> gateway.filter.ledger().pendingVoids(100).isEmpty());
        assertThat(gateway.paidGet("/live/one", token, 250_000).getStatus()).isEqualTo(200);
    }

    @Test
    void aBrokerThatIsDownFailsClosedForOnlineRulesOnly() throws Exception {
        broker.refuseConnections(true);
        String token = gateway.broker.scrip().jti("j-down").budget("1000000").sign();

        HttpTester.Response refused = gateway.paidGet("/live/one", token, 250_000);
        assertThat(refused.getStatus()).isEqualTo(503);
        assertThat(gateway.body(refused)).contains("broker_unavailable");
        assertThat(remaining("j-down", 1_000_000)).isEqualTo(1_000_000);
        assertThat(gateway.filter.ledger().pendingVoids(10)).hasSize(1);

        HttpTester.Response offline = gateway.paidGet("/news/one", token, 50_000);
        assertThat(offline.getStatus()).isEqualTo(200);
        assertThat(gateway.body(offline)).isEqualTo("content of /news/one");
        assertThat(receiptOf(offline).extra()).containsEntry("remaining", "950000").doesNotContainKey("confirmation");
        assertThat(broker.requests()).isZero();
    }

    @Test
    void onlineAboveMakesAnExpensiveRuleOnlineAndLeavesACheapOneOffline() throws Exception {
        String token = gateway.broker.scrip().jti("j-above").budget("5000000").sign();

        assertThat(gateway.paidGet("/premium/x", token, 2_000_000).getStatus()).isEqualTo(200);
        assertThat(gateway.paidGet("/cheap/x", token, 100_000).getStatus()).isEqualTo(200);
        assertThat(broker.charges()).singleElement()
                .satisfies(charge -> assertThat(charge.path("amount").asText()).isEqualTo("2000000"));

        broker.mode(Mode.UNAVAILABLE);
        assertThat(gateway.body(gateway.paidGet("/premium/x", token, 2_000_000))).contains("broker_unavailable");
        assertThat(gateway.paidGet("/cheap/x", token, 100_000).getStatus()).isEqualTo(200);
        assertThat(remaining("j-above", 5_000_000)).isEqualTo(5_000_000 - 2_000_000 - 2 * 100_000);
    }

    @Test
    void badOnlineSettingsAreReportedWithLineAndColumn() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, String.join("\n",
                "seller:",
                "  id: seller-1",
                "broker:",
                "  id: test",
                "  issuer: https://broker.test",
                "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
                "  token-endpoint: https://broker.test/v1/scrip",
                "  charge-url: http://broker.test/v1/charges",
                "currency: USD",
                "online-timeout: 20s",
                "online-above: 1 EUR",
                "rules:",
                "  - match: /a/**",
                "    price: 0.05",
                "    confirm: sometimes",
                "  - match: /free/**",
                "    charge: free",
                "    confirm: online",
                ""));

        InvalidConfigException e = (InvalidConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> GatewayConfig.load(file));

        assertThat(e).isNotNull();
        assertThat(e.problems()).hasSize(5);
        assertThat(e.problems().get(0)).contains(":8:15: broker.charge-url:").contains("https");
        assertThat(e.problems().get(1)).contains(":10:17: online-timeout:").contains("100ms and 10s");
        assertThat(e.problems().get(2)).contains(":11:15: online-above:").contains("EUR");
        assertThat(e.problems().get(3)).contains(":15:14: rules[0].confirm:").contains("sometimes");
        assertThat(e.problems().get(4)).contains(":18:14: rules[1].confirm:").contains("free");
    }

    enum Mode { CHARGE, INSUFFICIENT, EXPIRED, UNAVAILABLE, SLOW }

    /**
     * A broker's {@code /v1/charges} as PROTOCOL.md section 7 has it, on a real Jetty server on 127.0.0.1: verifies
     * the charge's Ed25519 signature with the seller's registered key and its header and claims, then answers as
     * {@link #mode} says. Charges are idempotent by {@code jti}; an answer can be dropped after the charge is
     * recorded. {@code /v1/charges/void} takes voids, idempotently.
     */
    static final class FakeChargeBroker implements AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final byte[] X509_ED25519_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
            0x03, 0x21, 0x00};

        private final Server server = new Server();
        private final ServerConnector connector = new ServerConnector(server);
        private final Map<String, PublicKey> keysByKid = new ConcurrentHashMap<>();
        private final Map<String, JsonNode> charged = new ConcurrentHashMap<>();
        private final List<JsonNode> charges = Collections.synchronizedList(new ArrayList<>());
        private final List<String> rejections = Collections.synchronizedList(new ArrayList<>());
        private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger answersToDrop = new java.util.concurrent.atomic.AtomicInteger();
        /** Scrip jti -> the charge ids of every charge request on it, in order (retries included). */
        private final Map<String, List<String>> attempts = new ConcurrentHashMap<>();
        private final java.util.Set<String> voided = ConcurrentHashMap.newKeySet();
        private volatile Mode mode = Mode.CHARGE;
        private volatile boolean voidsRefused;
        /** The broker's issuer: the {@code aud} of the requests it takes. */
        private final String issuer;

        FakeChargeBroker() throws Exception {
            this(TestBroker.ISSUER);
        }

        FakeChargeBroker(String issuer) throws Exception {
            this.issuer = issuer;
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            server.setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) throws Exception {
                    return FakeChargeBroker.this.handle(request, response, callback);
                }
            });
            server.start();
            connector.setPort(connector.getLocalPort());
        }

        URI chargeUri() {
            return URI.create("http://127.0.0.1:" + connector.getPort() + "/v1/charges");
        }

        void register(String publicJwk) throws Exception {
            byte[] x = Base64.getUrlDecoder().decode(JSON.readTree(publicJwk).get("x").asText());
            byte[] spki = new byte[X509_ED25519_PREFIX.length + x.length];
            System.arraycopy(X509_ED25519_PREFIX, 0, spki, 0, X509_ED25519_PREFIX.length);
            System.arraycopy(x, 0, spki, X509_ED25519_PREFIX.length, x.length);
            String canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\""
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(x) + "\"}";
            String kid = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
            keysByKid.put(kid, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
        }

        void mode(Mode value) {
            mode = value;
        }

        void refuseConnections(boolean value) throws Exception {
            if (value) {
                connector.stop();
            } else {
                connector.start();
            }
        }

        List<JsonNode> charges() {
            synchronized (charges) {
                return List.copyOf(charges);
            }
        }

        List<String> rejections() {
            synchronized (rejections) {
                return List.copyOf(rejections);
            }
        }

        int requests() {
            return requests.get();
        }

        /** The next {@code n} charges are answered as the mode says, then their connection is dropped unanswered. */
        void dropAnswers(int n) {
            answersToDrop.set(n);
        }

        /** The charge ids of the charge requests on {@code scrip}, in order. */
        List<String> attempted(String scrip) {
            List<String> ids = attempts.getOrDefault(scrip, List.of());
            synchronized (ids) {
                return List.copyOf(ids);
            }
        }

        /** While on, void requests are answered 503. */
        void refuseVoids(boolean value) {
            voidsRefused = value;
        }

        /** The charge ids voided. */
        java.util.Set<String> voided() {
            return java.util.Set.copyOf(voided);
        }

        private boolean handle(Request request, Response response, Callback callback) throws Exception {
            requests.incrementAndGet();
            String path = Request.getPathInContext(request);
            boolean isVoid = "/v1/charges/void".equals(path);
            if ("/v1/redemptions".equals(path)) {
                return answer(response, callback, 200, "{\"results\":[]}"); // settlement is not tested here
            }
            if (!("/v1/charges".equals(path) || isVoid) || !"POST".equals(request.getMethod())) {
                return answer(response, callback, 404, "{\"error\":\"not_found\"}");
            }
            String body = Content.Source.asString(request, StandardCharsets.US_ASCII);
            JsonNode claims;
            try {
                if (!"application/jose".equals(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
                    throw new IllegalArgumentException("400 content type");
                }
                claims = isVoid ? verify(body, "tollgate-void+jwt", 600) : verify(body, "tollgate-charge+jwt", 60);
            } catch (IllegalArgumentException e) {
                rejections.add(e.getMessage());
                int status = Integer.parseInt(e.getMessage().substring(0, 3));
                return answer(response, callback, status, "{\"error\":\"invalid_request\"}");
            }
            if (isVoid && voidsRefused) {
                return answer(response, callback, 503, "{\"error\":\"unavailable\"}");
            }
            if (isVoid) {
                StringBuilder results = new StringBuilder();
                for (JsonNode id : claims.path("charges")) {
                    String status = charged.containsKey(id.asText()) ? voided.add(id.asText()) ? "voided" : "unchanged"
                            : "not_charged";
                    voided.add(id.asText());
                    results.append(results.length() == 0 ? "" : ",").append("{\"charge\":\"").append(id.asText())
                            .append("\",\"status\":\"").append(status).append("\"}");
                }
                return answer(response, callback, 200, "{\"results\":[" + results + "]}");
            }
            attempts.computeIfAbsent(claims.get("scrip").asText(), k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(claims.get("jti").asText());
            switch (mode) {
                case INSUFFICIENT:
                    return answer(response, callback, 409, "{\"error\":\"insufficient_budget\",\"remaining\":\"0\"}");
                case EXPIRED:
                    return answer(response, callback, 410, "{\"error\":\"expired\"}");
                case UNAVAILABLE:
                    return answer(response, callback, 503, "{\"error\":\"unavailable\"}");
                case SLOW:
                    Thread.sleep(3_000);
                    break;
                default:
                    break;
            }
            String jti = claims.get("jti").asText();
            if (charged.putIfAbsent(jti, claims) == null) {
                charges.add(claims);
            }
            if (answersToDrop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                request.getConnectionMetaData().getConnection().getEndPoint().close();
                callback.failed(new java.io.IOException("answer dropped on purpose"));
                return true;
            }
            return answer(response, callback, 200, "{\"status\":\"charged\",\"charge\":\"" + jti + "\",\"amount\":\""
                    + claims.get("amount").asText() + "\",\"redeemed\":\"0\",\"remaining\":\"0\","
                    + "\"confirmation\":\"confirmation-of-" + jti + "\"}");
        }

        private JsonNode verify(String jws, String typ, long maxLifetime) throws Exception {
            String[] parts = jws.split("\\.", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("400 not a compact JWS");
            }
            Base64.Decoder b64 = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(b64.decode(parts[0]));
            if (!"EdDSA".equals(header.path("alg").asText()) || !typ.equals(header.path("typ").asText())) {
                throw new IllegalArgumentException("400 bad alg or typ: " + header);
            }
            PublicKey key = keysByKid.get(header.path("kid").asText());
            if (key == null) {
                throw new IllegalArgumentException("401 unknown kid");
            }
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!verifier.verify(b64.decode(parts[2]))) {
                throw new IllegalArgumentException("401 bad signature");
            }
            JsonNode claims = JSON.readTree(b64.decode(parts[1]));
            long now = System.currentTimeMillis() / 1000;
            long iat = claims.path("iat").asLong(-1);
            long exp = claims.path("exp").asLong(-1);
            if (!TestBroker.SELLER.equals(claims.path("iss").asText())
                    || !issuer.equals(claims.path("aud").asText())) {
                throw new IllegalArgumentException("401 wrong iss or aud");
            }
            if (exp <= now || iat > now + 60 || exp - iat > maxLifetime || !claims.path("jti").isTextual()
                    || claims.path("jti").asText().isEmpty()) {
                throw new IllegalArgumentException("400 bad iat, exp or jti");
            }
            if (typ.equals("tollgate-void+jwt")) {
                if (!claims.path("charges").isArray() || claims.path("charges").isEmpty()
                        || claims.path("charges").size() > 100) {
                    throw new IllegalArgumentException("400 charges");
                }
                return claims;
            }
            if (!claims.path("scrip").isTextual()) {
                throw new IllegalArgumentException("400 scrip");
            }
            if (!claims.path("amount").isTextual() || Long.parseLong(claims.get("amount").asText()) <= 0) {
                throw new IllegalArgumentException("400 amount");
            }
            return claims;
        }

        private static boolean answer(Response response, Callback callback, int status, String json) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, json, callback);
            return true;
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }
}
