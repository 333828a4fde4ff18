package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online charges whose content is not served, between a real gateway and a real broker over real HTTP (through a
 * proxy that can lose the broker's answers or hold requests back): the buyer pays the broker nothing for them, the
 * scrip keeps settling, and the broker's books stay conserved.
 */
final class OnlineRefundsEndToEndTest {

    private static final long BUDGET = 1_000_000;
    private static final long VIDEO = 250_000;
    private static final long ARTICLE = 50_000;

    @TempDir
    Path dir;

    private Broker broker;
    private AnswerDroppingProxy proxy;
    private TollgateFilter filter;
    private Server gateway;
    private URI base;
    private TestBrokers.Buyer buyer;
    private String jti;
    private String token;

    @BeforeEach
    void start() throws Exception {
        broker = TestBrokers.builder(dir.resolve("broker")).demoMode(true).build().start();
        proxy = new AnswerDroppingProxy(broker.baseUri());
        Path config = EndToEndSettlementTest.writeConfig(dir, broker);
        Files.writeString(config, Files.readString(config)
                .replace("charge-url: " + broker.baseUri(), "charge-url: " + proxy.baseUri())
                .replace("rules:\n", "online-timeout: 1s\nrules:\n  - match: /videos/**\n    price: 0.25\n"
                        + "    confirm: online\n"));
        filter = TollgateFilter.builder().configFile(config).build();
        gateway = EndToEndSettlementTest.startGateway(filter);
        broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                List.of("https://news.example")));
        base = URI.create("http://127.0.0.1:" + ((ServerConnector) gateway.getConnectors()[0]).getLocalPort());
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
        TestBrokers.Answer scrip = TestBrokers.issue(broker, buyer, "daily-byte", BUDGET);
        jti = scrip.text("jti");
        token = scrip.text("token");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.stop();
        proxy.close();
        broker.close();
    }

    private HttpResponse<String> video(String name) throws Exception {
        return EndToEndSettlementTest.get(base.resolve("/videos/" + name),
                EndToEndSettlementTest.paymentHeader(token, VIDEO));
    }

    private HttpResponse<String> article(String name) throws Exception {
        return EndToEndSettlementTest.get(base.resolve("/articles/" + name),
                EndToEndSettlementTest.paymentHeader(token, ARTICLE));
    }

    private long credited() throws Exception {
        return broker.statements().creditsBySeller().get("daily-byte")[0];
    }

    private void assertBooksBalance() throws Exception {
        assertThat(broker.statements().totals().conserved()).isTrue();
        for (Map.Entry<String, long[]> e : broker.statements().creditsBySeller().entrySet()) {
            assertThat(e.getValue()[0]).as("credit of %s", e.getKey()).isEqualTo(e.getValue()[1]);
        }
    }

    /** Waits until the gateway's outbox is empty and settlement has caught up with its ledger. */
    private void awaitSettledAndVoided() throws Exception {
        await("the outbox is empty", () -> filter.ledger().pendingVoids(10).isEmpty());
        EndToEndSettlementTest.awaitSettled(filter);
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after 30 s. */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!condition.call()) {
            assertThat(Instant.now()).as("within 30 s: " + what).isBefore(deadline);
            Thread.sleep(20); // polling interval, not a wait for the condition
        }
    }

    @Test
    void anOnlineChargeWhoseContentFailsIsVoidedAtTheBrokerAndTheScripKeepsSettling() throws Exception {
        assertThat(video("v1").statusCode()).isEqualTo(200);
        HttpResponse<String> failed = video("missing");
        assertThat(article("a").statusCode()).isEqualTo(200);

        assertThat(failed.statusCode()).isEqualTo(404);
        SettlementResponse receipt = X402Codec.decodeHeader(failed.headers()
                .firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(), SettlementResponse.class);
        assertThat(receipt.extra()).containsEntry("refunded", true);
        awaitSettledAndVoided();
        JsonNode me = EndToEndSettlementTest.awaitRedeemed(broker, buyer, jti, VIDEO + ARTICLE);
        assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(BUDGET - VIDEO - ARTICLE));
        assertThat(credited()).as("the seller keeps what it served, not the failed video").isEqualTo(VIDEO + ARTICLE);
        assertBooksBalance();

        // The scrip is not left out of settlement: later charges are claimed too.
        assertThat(article("b").statusCode()).isEqualTo(200);
        EndToEndSettlementTest.awaitRedeemed(broker, buyer, jti, VIDEO + 2 * ARTICLE);
        awaitSettledAndVoided();
        assertThat(filter.settlementStatus().refusedScrip()).isZero();
        assertBooksBalance();
    }

    @Test
    void aBrokerAnswerLostEveryTimeGets503AndTheBuyerPaysTheBrokerNothing() throws Exception {
        proxy.dropAnswers(Integer.MAX_VALUE);

        HttpResponse<String> response = video("v1");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.body()).contains("broker_unavailable").doesNotContain("an article");
        assertThat(proxy.dropped()).as("the broker made the charge, its answers were lost").isGreaterThanOrEqualTo(1);
        awaitSettledAndVoided();
        JsonNode me = EndToEndSettlementTest.awaitRedeemed(broker, buyer, jti, 0);
        assertThat(me.path("reserved").asText()).as("the scrip's budget is whole").isEqualTo(Long.toString(BUDGET));
        assertThat(credited()).isZero();
        assertBooksBalance();

        // The buyer can pay for it once the broker answers again.
        proxy.dropAnswers(0);
        assertThat(video("v1").statusCode()).isEqualTo(200);
        EndToEndSettlementTest.awaitRedeemed(broker, buyer, jti, VIDEO);
    }

    @Test
    void aLostAnswerIsAskedForAgainAndTheContentIsServedAndChargedOnce() throws Exception {
        proxy.dropAnswers(1);

        HttpResponse<String> response = video("v1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(proxy.dropped()).isEqualTo(1);
        SettlementResponse receipt = X402Codec.decodeHeader(response.headers()
                .firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(), SettlementResponse.class);
        assertThat(receipt.extra().get("confirmation").toString()).as("the broker's signed confirmation")
                .matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        awaitSettledAndVoided();
        EndToEndSettlementTest.awaitRedeemed(broker, buyer, jti, VIDEO);
        assertThat(credited()).isEqualTo(VIDEO);
        assertBooksBalance();
    }

    @Test
    void aChargeRequestArrivingAfterItsVoidIsRefused() throws Exception {
        proxy.hold(true);

        assertThat(video("v1").statusCode()).isEqualTo(503);
        awaitSettledAndVoided();
        List<Integer> late = proxy.deliverHeld();

        assertThat(late).as("every attempt of the charge, delivered late").isNotEmpty().containsOnly(409);
        JsonNode me = EndToEndSettlementTest.awaitRedeemed(broker, buyer, jti, 0);
        assertThat(me.path("reserved").asText()).isEqualTo(Long.toString(BUDGET));
        assertThat(credited()).isZero();
        assertBooksBalance();
    }
}
