package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole money path over real HTTP between a real gateway and a real broker: a buyer funds an account, gets
 * scrip, spends it at the seller's gateway (one request fails and is refunded), the gateway settles, and the broker
 * credits the seller exactly what was charged, to the micro-unit, with the buyer's view showing it redeemed.
 */
final class EndToEndSettlementTest {

    private static final long PRICE = 50_000;

    @TempDir
    Path dir;

    @Test
    void settledEqualsChargedToTheMicroUnit() throws Exception {
        try (Broker broker = TestBrokers.builder(dir.resolve("broker")).demoMode(true).build().start()) {
            Path config = writeConfig(broker);
            TollgateFilter filter = TollgateFilter.builder().configFile(config).build();
            Server gateway = startGateway(filter);
            try {
                broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                        List.of("https://news.example")));
                TestBrokers.Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
                TestBrokers.Answer scrip = TestBrokers.issue(broker, buyer, "daily-byte", 300_000);
                assertThat(scrip.status()).isEqualTo(201);
                String payment = paymentHeader(scrip.text("token"));
                URI base = URI.create("http://127.0.0.1:" + ((ServerConnector) gateway.getConnectors()[0])
                        .getLocalPort());

                for (int i = 0; i < 5; i++) {
                    assertThat(get(base.resolve("/articles/a" + i), payment).statusCode()).isEqualTo(200);
                }
                assertThat(get(base.resolve("/articles/missing"), payment).statusCode()).isEqualTo(404);
                assertThat(get(base.resolve("/articles/b"), null).statusCode()).isEqualTo(402);

                long charged = 5 * PRICE;
                JsonNode me = awaitRedeemed(broker, buyer, scrip.text("jti"), charged);
                assertThat(me.path("balance").asText()).isEqualTo("4700000");
                assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(300_000 - charged));
                SettlementStatus status = awaitSettled(filter);
                assertThat(status.unsettledMicros()).isZero();
                assertThat(status.settledSinceStartMicros()).isEqualTo(charged);
            } finally {
                gateway.stop();
            }
        }
    }

    @Test
    void chargesMadeWhileTheBrokerIsDownAreSettledExactlyOnceWhenItIsBack() throws Exception {
        Path brokerData = dir.resolve("broker");
        Broker broker = TestBrokers.builder(brokerData).demoMode(true).build().start();
        int brokerPort = broker.baseUri().getPort();
        Path config = writeConfig(broker);
        TollgateFilter filter = TollgateFilter.builder().configFile(config).build();
        Server gateway = startGateway(filter);
        try {
            broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                    List.of("https://news.example")));
            TestBrokers.Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
            TestBrokers.Answer scrip = TestBrokers.issue(broker, buyer, "daily-byte", 500_000);
            String payment = paymentHeader(scrip.text("token"));
            URI base = URI.create("http://127.0.0.1:" + ((ServerConnector) gateway.getConnectors()[0])
                    .getLocalPort());
            for (int i = 0; i < 3; i++) {
                assertThat(get(base.resolve("/articles/a" + i), payment).statusCode()).isEqualTo(200);
            }
            awaitRedeemed(broker, buyer, scrip.text("jti"), 3 * PRICE);

            broker.close();
            for (int i = 0; i < 4; i++) {
                assertThat(get(base.resolve("/articles/b" + i), payment).statusCode())
                        .as("offline charges go on while the broker is down").isEqualTo(200);
            }
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (filter.settlementStatus().consecutiveFailures() < 2) {
                assertThat(Instant.now()).as("the settler tried the broker while it was down").isBefore(deadline);
                Thread.sleep(50);
            }
            assertThat(filter.settlementStatus().unsettledMicros()).isEqualTo(4 * PRICE);

            broker = TestBrokers.builder(brokerData).port(brokerPort).demoMode(true).build().start();
            JsonNode me = awaitRedeemed(broker, buyer, scrip.text("jti"), 7 * PRICE);
            assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(500_000 - 7 * PRICE));
            assertThat(awaitSettled(filter).unsettledMicros()).isZero();
            assertThat(filter.settlementStatus().consecutiveFailures()).isZero();
        } finally {
            gateway.stop();
            broker.close();
        }
    }

    @Test
    void aBuyerWhoStopsReadingALargeAnswerCannotKeepItsScripFromBeingClaimed() throws Exception {
        try (Broker broker = TestBrokers.builder(dir.resolve("broker")).demoMode(true).build().start()) {
            Path config = writeConfig(broker);
            TollgateFilter filter = TollgateFilter.builder().configFile(config).build();
            Server gateway = startGateway(filter);
            try (java.net.Socket stalled = new java.net.Socket()) {
                broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                        List.of("https://news.example")));
                TestBrokers.Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
                TestBrokers.Answer scrip = TestBrokers.issue(broker, buyer, "daily-byte", 500_000);
                String payment = paymentHeader(scrip.text("token"));
                int port = ((ServerConnector) gateway.getConnectors()[0]).getLocalPort();
                URI base = URI.create("http://127.0.0.1:" + port);

                // A paid request for a large answer that the buyer then never reads: the gateway's writes block.
                stalled.setReceiveBufferSize(4096);
                stalled.connect(new java.net.InetSocketAddress("127.0.0.1", port));
                stalled.getOutputStream().write(("GET /articles/large HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + PaymentHeaders.PAYMENT_SIGNATURE + ": " + payment + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                stalled.getOutputStream().flush();
                for (int i = 0; i < 3; i++) {
                    assertThat(get(base.resolve("/articles/a" + i), payment).statusCode()).isEqualTo(200);
                }

                // All four charges are claimed while the large answer is still stuck in the buyer's socket.
                JsonNode me = awaitRedeemed(broker, buyer, scrip.text("jti"), 4 * PRICE);
                assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(500_000 - 4 * PRICE));
                assertThat(filter.settlementStatus().heldRequests()).isZero();
            } finally {
                gateway.stop();
            }
        }
    }

    @Test
    void onlineAndOfflineChargesOnOneScripAreCreditedExactlyOnce() throws Exception {
        try (Broker broker = TestBrokers.builder(dir.resolve("broker")).demoMode(true).build().start()) {
            Path config = writeConfig(broker);
            Files.writeString(config, Files.readString(config).replace("rules:\n",
                    "rules:\n  - match: /videos/**\n    price: 0.25\n    confirm: online\n"));
            TollgateFilter filter = TollgateFilter.builder().configFile(config).build();
            Server gateway = startGateway(filter);
            try {
                broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                        List.of("https://news.example")));
                TestBrokers.Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
                TestBrokers.Answer scrip = TestBrokers.issue(broker, buyer, "daily-byte", 1_000_000);
                URI base = URI.create("http://127.0.0.1:" + ((ServerConnector) gateway.getConnectors()[0])
                        .getLocalPort());
                String articlePayment = paymentHeader(scrip.text("token"));
                String videoPayment = paymentHeader(scrip.text("token"), 250_000);

                assertThat(get(base.resolve("/articles/a"), articlePayment).statusCode()).isEqualTo(200);
                assertThat(get(base.resolve("/videos/v1"), videoPayment).statusCode()).isEqualTo(200);
                assertThat(get(base.resolve("/articles/b"), articlePayment).statusCode()).isEqualTo(200);
                assertThat(get(base.resolve("/videos/v2"), videoPayment).statusCode()).isEqualTo(200);

                long charged = 2 * PRICE + 2 * 250_000;
                JsonNode me = awaitRedeemed(broker, buyer, scrip.text("jti"), charged);
                assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(1_000_000 - charged));
                assertThat(awaitSettled(filter).unsettledMicros()).isZero();
            } finally {
                gateway.stop();
            }
        }
    }

    private Path writeConfig(Broker broker) throws IOException {
        return writeConfig(dir, broker);
    }

    /** A gateway config for seller daily-byte at {@code broker}: articles at 5 cents, settling every second. */
    static Path writeConfig(Path dir, Broker broker) throws IOException {
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, String.join("\n",
                "seller:",
                "  id: daily-byte",
                "broker:",
                "  id: demo",
                "  issuer: " + TestBrokers.ISSUER,
                "  jwks-url: " + broker.jwksUri(),
                "  token-endpoint: " + broker.baseUri() + "/v1/scrip",
                "  redemption-url: " + broker.baseUri() + "/v1/redemptions",
                "  charge-url: " + broker.baseUri() + "/v1/charges",
                "currency: USD",
                "settlement:",
                "  interval: 1s",
                "  max-backoff: 2s",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                ""));
        return config;
    }

    /** Polls the buyer's view until the scrip shows {@code expected} redeemed; settlement runs every second. */
    /**
     * The gateway's settlement status once it has nothing unsettled and its last attempt succeeded. The broker
     * commits a batch before it answers, so the gateway learns of it a moment after the broker shows it redeemed.
     */
    static SettlementStatus awaitSettled(TollgateFilter filter) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (filter.settlementStatus().unsettledMicros() != 0 || filter.settlementStatus().consecutiveFailures() != 0) {
            assertThat(Instant.now()).as("the gateway saw its batch settled within 30 s").isBefore(deadline);
            Thread.sleep(20);
        }
        return filter.settlementStatus();
    }

    static JsonNode awaitRedeemed(Broker broker, TestBrokers.Buyer buyer, String jti, long expected)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            JsonNode me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json();
            for (JsonNode scrip : me.path("scrip")) {
                if (scrip.path("jti").asText().equals(jti)
                        && scrip.path("redeemed").asText().equals(Long.toString(expected))) {
                    return me;
                }
            }
            assertThat(Instant.now()).as("redeemed %s within 30 s; last view %s", expected, me).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    private static String paymentHeader(String token) {
        return paymentHeader(token, PRICE);
    }

    static String paymentHeader(String token, long acceptedMicros) {
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:demo", Long.toString(acceptedMicros),
                "USD", "daily-byte", 60, Map.of());
        return X402Codec.encodeHeader(new PaymentPayload(2, null, accepted, Map.of("token", token), null));
    }

    static HttpResponse<String> get(URI uri, String payment) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (payment != null) {
            request.header(PaymentHeaders.PAYMENT_SIGNATURE, payment);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Server startGateway(TollgateFilter filter) throws Exception {
        return startGateway(filter, new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                if (request.getServletPath().endsWith("/missing")) {
                    response.sendError(404);
                    return;
                }
                if (request.getServletPath().endsWith("/large")) { // 16 MiB: far more than the sockets buffer
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 256; i++) {
                        response.getOutputStream().write(chunk);
                    }
                    return;
                }
                response.setContentType("text/plain");
                response.getWriter().write("an article");
            }
        });
    }

    /** The gateway on a free local port before {@code app}. */
    static Server startGateway(TollgateFilter filter, HttpServlet app) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(app), "/");
        server.setHandler(context);
        server.start();
        return server;
    }
}
