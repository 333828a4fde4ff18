package dev.tollgate.broker;

import static dev.tollgate.broker.OnlineRefundsEndToEndTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.BrokerSettlement;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real brokers, and a seller who stops accepting the second: on a live reload, or while the gateway is stopped.
 * Its buyers' new payments are refused from then on, and what was charged on its scrip before is still redeemed at it,
 * exactly, once it can be reached; then the gateway stops settling with it.
 */
final class RemovedBrokerSettlementTest {

    private static final String SECOND = "https://second.test";
    private static final long PRICE = 50_000;
    private static final int UNIT_BYTES = 1024;

    @TempDir
    Path dir;

    private Broker first;
    private Broker second;
    private int secondPort;
    private Path config;
    private TollgateFilter filter;
    private Server gateway;
    private TestBrokers.Buyer buyer;
    private TestBrokers.Answer scrip;
    private String payment;
    private final CountDownLatch firstUnitWritten = new CountDownLatch(1);
    private final CountDownLatch writeMore = new CountDownLatch(1);

    @BeforeEach
    void startBrokers() {
        first = TestBrokers.builder(dir.resolve("first")).demoMode(true).build().start();
        second = startSecond(0);
        secondPort = second.baseUri().getPort();
        config = dir.resolve("gateway.yaml");
    }

    private Broker startSecond(int port) {
        return TestBrokers.builder(dir.resolve("second")).issuer(SECOND).port(port).demoMode(true).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            writeMore.countDown();
            gateway.stop();
        }
        first.close();
        second.close();
    }

    @Test
    void aBrokerRemovedOnReloadIsRefusedForNewPaymentsAndStillCreditsWhatWasChargedOnItsScrip() throws Exception {
        startWithBothBrokers();
        for (int i = 0; i < 2; i++) {
            assertThat(get("/articles/a" + i, payment).statusCode()).isEqualTo(200);
        }
        EndToEndSettlementTest.awaitRedeemed(second, buyer, scrip.text("jti"), 2 * PRICE);
        second.close(); // the next charges cannot be redeemed before the broker is removed
        for (int i = 0; i < 3; i++) {
            assertThat(get("/articles/b" + i, payment).statusCode()).isEqualTo(200);
        }

        writeConfig(false);
        await("only the remaining broker is offered", () -> offered().accepts().size() == 1);

        assertThat(offered().accepts()).extracting(PaymentRequirements::network).containsExactly("tollgate:demo");
        HttpResponse<String> refused = get("/articles/c", payment);
        assertThat(refused.statusCode()).isEqualTo(402);
        assertThat(X402Codec.decodeHeader(refused.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(),
                PaymentRequired.class).error()).as("its network is no longer offered").isEqualTo("malformed_payment");
        assertThat(byBroker()).extracting(BrokerSettlement::id, BrokerSettlement::accepted)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("demo", true),
                        org.assertj.core.groups.Tuple.tuple("second", false));
        assertThat(byBroker().get(1).status().unsettledMicros()).isEqualTo(3 * PRICE);
        TestBrokers.Buyer firstBuyer = TestBrokers.newBuyer(first, 5_000_000);
        String firstPayment = payment(TestBrokers.issue(first, firstBuyer, "daily-byte", 500_000).text("token"),
                "tollgate:demo");
        assertThat(get("/articles/d", firstPayment).statusCode()).as("the other broker's buyers pay on")
                .isEqualTo(200);

        second = startSecond(secondPort);
        com.fasterxml.jackson.databind.JsonNode me = EndToEndSettlementTest.awaitRedeemed(second, buyer,
                scrip.text("jti"), 5 * PRICE);
        assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(1_000_000 - 5 * PRICE));
        await("the removed broker's settler stopped: all of it settled", () -> byBroker().size() == 1);
        assertThat(Files.readString(dir.resolve("data/brokers.json"))).doesNotContain(SECOND);
        assertThat(filter.settlementStatus().unsettledMicros()).isZero();
        assertThat(get("/articles/e", payment).statusCode()).isEqualTo(402);
    }

    @Test
    void aMeteredResponseWritingOnAfterItsRemovedBrokerWasSettledHasItsLaterUnitsClaimedToo() throws Exception {
        startWithBothBrokers();
        CompletableFuture<HttpResponse<String>> download = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
                gatewayUri("/stream/film")).header(PaymentHeaders.PAYMENT_SIGNATURE, payment).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(firstUnitWritten.await(30, TimeUnit.SECONDS)).as("the first unit is written").isTrue();

        writeConfig(false);
        await("only the remaining broker is offered", () -> offered().accepts().size() == 1);
        EndToEndSettlementTest.awaitRedeemed(second, buyer, scrip.text("jti"), PRICE);
        await("every charge it knew of settled: it stopped settling with it", () -> byBroker().size() == 1);
        writeMore.countDown(); // the response read the config before the reload: its next unit is charged all the same

        HttpResponse<String> written = download.get(30, TimeUnit.SECONDS);
        assertThat(written.statusCode()).isEqualTo(200);
        assertThat(written.body()).hasSize(2 * UNIT_BYTES);
        EndToEndSettlementTest.awaitRedeemed(second, buyer, scrip.text("jti"), 2 * PRICE);
        await("the removed broker is settled and dropped", () -> byBroker().size() == 1);
        assertThat(filter.settlementStatus().unsettledMicros()).isZero();
    }

    @Test
    void aBrokerRemovedWhileTheGatewayWasStoppedIsSettledAfterTheNextStart() throws Exception {
        startWithBothBrokers();
        assertThat(get("/articles/a", payment).statusCode()).isEqualTo(200); // its keys are cached from here on
        second.close();
        for (int i = 0; i < 3; i++) {
            assertThat(get("/articles/b" + i, payment).statusCode()).isEqualTo(200);
        }
        gateway.stop(); // its final batch to the second broker fails
        gateway = null;

        writeConfig(false);
        startGateway(first);
        assertThat(byBroker()).extracting(BrokerSettlement::id, BrokerSettlement::accepted)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("demo", true),
                        org.assertj.core.groups.Tuple.tuple("second", false));
        assertThat(get("/articles/c", payment).statusCode()).isEqualTo(402);

        second = startSecond(secondPort);
        EndToEndSettlementTest.awaitRedeemed(second, buyer, scrip.text("jti"), 4 * PRICE);
        await("the removed broker is settled and dropped", () -> byBroker().size() == 1);
        assertThat(filter.settlementStatus().unsettledMicros()).isZero();
    }

    /** Starts the gateway accepting both brokers, with a buyer of the second holding scrip of 1.00 USD. */
    private void startWithBothBrokers() throws Exception {
        writeConfig(true);
        startGateway(first, second);
        buyer = TestBrokers.newBuyer(second, 5_000_000);
        scrip = TestBrokers.issue(second, buyer, "daily-byte", 1_000_000);
        payment = payment(scrip.text("token"), "tollgate:second");
    }

    private List<BrokerSettlement> byBroker() throws Exception {
        return filter.settlementByBroker();
    }

    private PaymentRequired offered() throws Exception {
        HttpResponse<String> answer = get("/articles/offer", null);
        return X402Codec.decodeHeader(answer.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(),
                PaymentRequired.class);
    }

    /** Seller daily-byte at the first broker and, if {@code withSecond}, the second; settling every second. */
    private void writeConfig(boolean withSecond) throws Exception {
        String brokers = "brokers:\n" + entry("demo", TestBrokers.ISSUER, first)
                + (withSecond ? entry("second", SECOND, second) : "");
        Files.writeString(config, "seller:\n  id: daily-byte\n" + brokers + "currency: USD\n"
                + "settlement:\n  interval: 1s\n  max-backoff: 1s\n"
                + "rules:\n  - match: /stream/**\n    charge: metered\n    unit: " + UNIT_BYTES + "B\n    price: 0.05\n"
                + "  - match: /articles/**\n    price: 0.05\n");
    }

    private static String entry(String id, String issuer, Broker broker) {
        URI base = broker.baseUri();
        return "  - id: " + id + "\n    issuer: " + issuer + "\n    jwks-url: " + broker.jwksUri()
                + "\n    token-endpoint: " + base + "/v1/scrip\n    redemption-url: " + base + "/v1/redemptions"
                + "\n    charge-url: " + base + "/v1/charges\n    cancel-url: " + base + "/v1/scrip/cancel\n";
    }

    /** Starts the gateway and registers its seller key at {@code registerAt} if it is not yet. */
    private void startGateway(Broker... registerAt) throws Exception {
        filter = TollgateFilter.builder().configFile(config).build();
        gateway = startServer(filter);
        for (Broker broker : registerAt) {
            if (broker.seller("daily-byte").isEmpty()) {
                broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                        List.of("https://news.example")));
            }
        }
    }

    /**
     * The gateway before an app whose {@code /stream/} answers write one unit, then wait for {@link #writeMore} and
     * write another; its other paths answer an article.
     */
    private Server startServer(TollgateFilter tollgate) throws Exception {
        return EndToEndSettlementTest.startGateway(tollgate, new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain");
                if (!request.getRequestURI().startsWith("/stream/")) {
                    response.getWriter().write("an article");
                    return;
                }
                response.getOutputStream().write("a".repeat(UNIT_BYTES).getBytes(StandardCharsets.US_ASCII));
                response.flushBuffer();
                firstUnitWritten.countDown();
                try {
                    writeMore.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                response.getOutputStream().write("b".repeat(UNIT_BYTES).getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    private URI gatewayUri(String path) {
        int port = ((ServerConnector) gateway.getConnectors()[0]).getLocalPort();
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> get(String path, String payment) throws Exception {
        return EndToEndSettlementTest.get(gatewayUri(path), payment);
    }

    private static String payment(String token, String network) {
        PaymentRequirements accepted = new PaymentRequirements("scrip", network, Long.toString(PRICE), "USD",
                "daily-byte", 60, Map.of());
        return X402Codec.encodeHeader(new PaymentPayload(2, null, accepted, Map.of("token", token), null));
    }
}
