package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.ScripAccount;
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
            "online-timeout: 300ms",
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
            "");

    @TempDir
    Path dir;

    GatewayHarness gateway;
    FakeChargeBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = new FakeChargeBroker();
        gateway = new GatewayHarness(dir);
        Files.writeString(gateway.configFile, GatewayHarness.config(gateway.jwks.jwksUri(), RULES)
                .replace("  clock-skew: 0s\n", "  clock-skew: 0s\n  charge-url: " + broker.chargeUri() + "\n"));
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
    }

    @Test
    void rulesAreResolvedOnlineOrOfflineAtLoad() {
        List<PriceRule> rules = gateway.filter.config().rules();
        assertThat(rules).extracting(PriceRule::online).containsExactly(true, false, true, false);
        assertThat(gateway.filter.config().online().chargeUri()).isEqualTo(broker.chargeUri());
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
    void aFailingBrokerFailsClosedAndRefunds() throws Exception {
        broker.mode(Mode.UNAVAILABLE);
        String token = gateway.broker.scrip().jti("j-503").budget("1000000").sign();

        assertRefusedAndRefunded(gateway.paidGet("/live/one", token, 250_000), "broker_unavailable", "j-503",
                1_000_000);
    }

    @Test
    void aBrokerSlowerThanTheTimeoutFailsClosedAndRefunds() throws Exception {
        broker.mode(Mode.SLOW);
        String token = gateway.broker.scrip().jti("j-slow").budget("1000000").sign();

        long start = System.nanoTime();
        HttpTester.Response response = gateway.paidGet("/live/one", token, 250_000);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertRefusedAndRefunded(response, "broker_unavailable", "j-slow", 1_000_000);
        assertThat(millis).isLessThan(1_500);
    }

    @Test
    void aBrokerThatIsDownFailsClosedForOnlineRulesOnly() throws Exception {
        broker.refuseConnections(true);
        String token = gateway.broker.scrip().jti("j-down").budget("1000000").sign();

        assertRefusedAndRefunded(gateway.paidGet("/live/one", token, 250_000), "broker_unavailable", "j-down",
                1_000_000);

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
        assertThat(errorOf(gateway.paidGet("/premium/x", token, 2_000_000))).isEqualTo("broker_unavailable");
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
     * {@link #mode} says. Charges are idempotent by {@code jti}.
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
        private volatile Mode mode = Mode.CHARGE;

        FakeChargeBroker() throws Exception {
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

        private boolean handle(Request request, Response response, Callback callback) throws Exception {
            requests.incrementAndGet();
            if (!"/v1/charges".equals(Request.getPathInContext(request)) || !"POST".equals(request.getMethod())) {
                return answer(response, callback, 404, "{\"error\":\"not_found\"}");
            }
            String body = Content.Source.asString(request, StandardCharsets.US_ASCII);
            JsonNode claims;
            try {
                if (!"application/jose".equals(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
                    throw new IllegalArgumentException("400 content type");
                }
                claims = verify(body);
            } catch (IllegalArgumentException e) {
                rejections.add(e.getMessage());
                int status = Integer.parseInt(e.getMessage().substring(0, 3));
                return answer(response, callback, status, "{\"error\":\"invalid_request\"}");
            }
            switch (mode) {
                case INSUFFICIENT:
                    return answer(response, callback, 409, "{\"error\":\"insufficient_budget\",\"remaining\":\"0\"}");
                case EXPIRED:
                    return answer(response, callback, 410, "{\"error\":\"expired\"}");
                case UNAVAILABLE:
                    return answer(response, callback, 503, "{\"error\":\"unavailable\"}");
                case SLOW:
                    Thread.sleep(1_000);
                    break;
                default:
                    break;
            }
            String jti = claims.get("jti").asText();
            if (charged.putIfAbsent(jti, claims) == null) {
                charges.add(claims);
            }
            return answer(response, callback, 200, "{\"status\":\"charged\",\"charge\":\"" + jti + "\",\"amount\":\""
                    + claims.get("amount").asText() + "\",\"redeemed\":\"0\",\"remaining\":\"0\","
                    + "\"confirmation\":\"confirmation-of-" + jti + "\"}");
        }

        private JsonNode verify(String jws) throws Exception {
            String[] parts = jws.split("\\.", -1);
            if (parts.length != 3) {
                throw new IllegalArgumentException("400 not a compact JWS");
            }
            Base64.Decoder b64 = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(b64.decode(parts[0]));
            if (!"EdDSA".equals(header.path("alg").asText())
                    || !"tollgate-charge+jwt".equals(header.path("typ").asText())) {
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
                    || !TestBroker.ISSUER.equals(claims.path("aud").asText())) {
                throw new IllegalArgumentException("401 wrong iss or aud");
            }
            if (exp <= now || iat > now + 60 || exp - iat > 60 || !claims.path("jti").isTextual()
                    || claims.path("jti").asText().isEmpty() || !claims.path("scrip").isTextual()) {
                throw new IllegalArgumentException("400 bad iat, exp, jti or scrip");
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
