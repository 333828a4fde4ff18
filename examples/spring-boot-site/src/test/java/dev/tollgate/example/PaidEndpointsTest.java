package dev.tollgate.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example app on a real Tomcat port, with the gateway configured by its application.yml and a real JWKS server
 * publishing the test broker's keys: what a buyer without scrip and one with it get.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
final class PaidEndpointsTest {

    private static final String SELLER = "spring-site";
    private static final TestBroker BROKER = new TestBroker();
    private static final JwksServer JWKS = JwksServer.start(BROKER::jwksJson);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dataDir;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) {
        registry.add("tollgate.broker.issuer", () -> TestBroker.ISSUER);
        registry.add("tollgate.broker.jwks-url", () -> JWKS.jwksUri().toString());
        registry.add("tollgate.data-dir", () -> dataDir.toString());
    }

    @AfterAll
    static void stopJwks() {
        JWKS.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A scrip payment of the test broker's buyer, as a buyer client sends it after reading the offer. */
    private static String payment(long micros) {
        String scrip = BROKER.scrip().audience(SELLER).budget("100000").sign();
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:demo", Long.toString(micros), "USD",
                SELLER, 60, Map.of());
        return X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://127.0.0.1/", "", ""), accepted,
                Map.of("token", scrip), null));
    }

    @Test
    void anUnpaidQuoteIsAnsweredWith402AndTheOffer() throws Exception {
        HttpResponse<String> response = get("/api/quotes/ACME");

        assertThat(response.statusCode()).isEqualTo(402);
        PaymentRequired offer = X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(), PaymentRequired.class);
        assertThat(offer.accepts()).first().satisfies(accepts -> {
            assertThat(accepts.amount()).isEqualTo("1000");
            assertThat(accepts.network()).isEqualTo("tollgate:demo");
            assertThat(accepts.payTo()).isEqualTo(SELLER);
        });
        assertThat(offer.resource().description()).isEqualTo("One quote");
    }

    @Test
    void aPaidQuoteIsServedWithTheReceiptTheControllerWasGiven() throws Exception {
        HttpResponse<String> response = get("/api/quotes/ACME", PaymentHeaders.PAYMENT_SIGNATURE, payment(1000));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("symbol").asText()).isEqualTo("ACME");
        assertThat(body.get("paidMicros").asLong()).isEqualTo(1000);
        SettlementResponse receipt = X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(), SettlementResponse.class);
        assertThat(receipt.success()).isTrue();
        assertThat(receipt.transaction()).isNotEmpty().isEqualTo(body.get("receipt").asText());
    }

    @Test
    void aPaidArticleThanksTheReaderByTheirBrokerPseudonym() throws Exception {
        HttpResponse<String> response = get("/articles/scrip", PaymentHeaders.PAYMENT_SIGNATURE, payment(50_000));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(response.body()).contains("Thank you, " + TestBroker.BUYER + ": receipt ");
        assertThat(response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE)).isPresent();
    }

    @Test
    void anArticlePaidTooLittleIsRefused() throws Exception {
        HttpResponse<String> response = get("/articles/scrip", PaymentHeaders.PAYMENT_SIGNATURE, payment(1000));

        assertThat(response.statusCode()).isEqualTo(402);
        assertThat(response.body()).doesNotContain("Thank you");
    }

    @Test
    void aFreePathPassesWithoutAPaymentAndTheOptionalArgumentIsEmpty() throws Exception {
        HttpResponse<String> response = get("/api/status?buyer=forged&amountMicros=5&receiptId=r");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("paid").asBoolean()).isFalse();
    }
}
