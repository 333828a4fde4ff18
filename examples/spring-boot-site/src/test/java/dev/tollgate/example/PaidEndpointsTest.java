package dev.tollgate.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    private static final String SELLER = SiteClient.SELLER;

    @RegisterExtension
    static final SiteBroker BROKER = new SiteBroker(new TestBroker());
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry properties) {
        BROKER.properties(properties);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return new SiteClient(port).get(path, headers);
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
        HttpResponse<String> response = get("/api/quotes/ACME", PaymentHeaders.PAYMENT_SIGNATURE, BROKER.payment(1000));

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
        String payment = BROKER.payment(50_000);
        HttpResponse<String> response = get("/articles/scrip", PaymentHeaders.PAYMENT_SIGNATURE, payment);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/html"));
        assertThat(response.body()).contains("Thank you, " + TestBroker.BUYER + ": receipt ");
        assertThat(response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE)).isPresent();
    }

    @Test
    void anArticlePaidTooLittleIsRefused() throws Exception {
        HttpResponse<String> response = get("/articles/scrip", PaymentHeaders.PAYMENT_SIGNATURE, BROKER.payment(1000));

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
