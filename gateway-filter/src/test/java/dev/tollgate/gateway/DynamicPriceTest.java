package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule's {@code price-function} through a real Jetty: its price is offered, the payment is held to the price of
 * the request that pays, and a function that fails or asks out of bounds serves nothing (503).
 */
final class DynamicPriceTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /reports/**",
            "    price-function: " + TestPrices.class.getName(),
            "    max-price: 0.50",
            "    description: One report",
            "");
    static final long BUDGET = 1_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(RULES).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void theOfferNamesTheFunctionsPriceForTheRequest() throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get("/reports/q3", "X-Price", "30000"));
        assertThat(offer.accepts().get(0).amount()).isEqualTo("30000");
        assertThat(offer.accepts().get(0).extra()).containsEntry("price", "0.03 USD");
        assertThat(TollgateFilterTest.offerOf(gateway.get("/reports/q3")).accepts().get(0).amount())
                .isEqualTo("80000");
    }

    @Test
    void thePaymentIsHeldToThePriceOfTheRequestThatPays() throws Exception {
        String token = gateway.broker.scrip().jti("j-dyn").budget(Long.toString(BUDGET)).sign();
        int before = TestPrices.CALLS.get();
        HttpTester.Response paid = gateway.get("/reports/q3", "X-Price", "30000", PaymentHeaders.PAYMENT_SIGNATURE,
                GatewayHarness.paymentHeader(token, 30_000));
        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(TestPrices.CALLS.get() - before).as("calls of the function for one request").isEqualTo(1);
        assertThat(gateway.remaining("j-dyn", BUDGET)).isEqualTo(BUDGET - 30_000);

        // The price rose between the offer and the payment: what the buyer agreed to no longer pays.
        HttpTester.Response underpaid = gateway.get("/reports/q4", "X-Price", "40000",
                PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, 30_000));
        assertThat(underpaid.getStatus()).isEqualTo(402);
        PaymentRequired offer = TollgateFilterTest.offerOf(underpaid);
        assertThat(offer.error()).isEqualTo("price_changed");
        assertThat(offer.accepts().get(0).amount()).isEqualTo("40000");
        assertThat(gateway.body(underpaid)).doesNotContain("content of");
        assertThat(gateway.remaining("j-dyn", BUDGET)).isEqualTo(BUDGET - 30_000);

        // Agreeing to more than the price pays the price, not what was agreed to.
        assertThat(gateway.get("/reports/q5", "X-Price", "20000", PaymentHeaders.PAYMENT_SIGNATURE,
                GatewayHarness.paymentHeader(token, 30_000)).getStatus()).isEqualTo(200);
        assertThat(gateway.remaining("j-dyn", BUDGET)).isEqualTo(BUDGET - 50_000);
    }

    @Test
    void aFunctionThatFailsOrAsksOutOfBoundsServesNothing() throws Exception {
        String token = gateway.broker.scrip().jti("j-fail").budget(Long.toString(BUDGET)).sign();
        for (String asked : List.of("throw", "-1", "500001")) {
            HttpTester.Response response = gateway.get("/reports/q3", "X-Price", asked,
                    PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, BUDGET));
            assertThat(response.getStatus()).as(asked).isEqualTo(503);
            assertThat(response.get("Retry-After")).isEqualTo("5");
            @SuppressWarnings("unchecked")
            Map<String, Object> error = X402Codec.fromJson(response.getContentBytes(), Map.class);
            assertThat(error).containsEntry("error", "price_unavailable");
            assertThat(gateway.body(response)).doesNotContain("content of");
        }
        assertThat(gateway.remaining("j-fail", BUDGET)).isEqualTo(BUDGET);
        // The ceiling itself is a price.
        assertThat(gateway.get("/reports/q3", "X-Price", "500000").getStatus()).isEqualTo(402);
    }

    @Test
    void aPriceOfZeroServesFree() throws Exception {
        HttpTester.Response response = gateway.get("/reports/free-sample", "X-Price", "0");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).contains("content of /reports/free-sample");
    }
}
