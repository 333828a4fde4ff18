package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.http.Offers;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 402 names the request's URL in its {@code PAYMENT-REQUIRED} header: through a real Jetty that accepts large
 * request headers (as deployments with big cookies do) but keeps its default limit on response headers, a
 * multi-kilobyte query string or path must still get a proper 402, never a 500.
 */
final class LongRequestUrlTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    description: One article",
            "    schemes: [scrip, payword]",
            "  - match: /videos/**",
            "    price: 0.10",
            "    charge: per-stream",
            "");

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

    private static PaymentRequired offerOf(HttpTester.Response response) throws Exception {
        assertThat(response.getStatus()).isEqualTo(402);
        String header = response.get(PaymentHeaders.PAYMENT_REQUIRED);
        assertThat(header.length()).isLessThanOrEqualTo(Offers.MAX_HEADER_CHARS);
        return X402Codec.decodeHeader(header, PaymentRequired.class);
    }

    @Test
    void aMultiKilobyteQueryStringGetsA402NamingTheUrlWithoutIt() throws Exception {
        String query = "?utm=" + "q".repeat(12_000);

        HttpTester.Response response = gateway.get("/articles/one" + query);

        assertThat(offerOf(response).resource().url()).isEqualTo("http://shop.test/articles/one");
    }

    @Test
    void aMultiKilobyteQueryStringGetsTheBrowserItsPaywallToo() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one?utm=" + "q".repeat(12_000), "Accept", "text/html");

        assertThat(offerOf(response).resource().url()).isEqualTo("http://shop.test/articles/one");
        assertThat(gateway.body(response)).contains("Pay 0.05 USD with Test Broker");
    }

    @Test
    void anOrdinaryQueryStringStaysInTheOffer() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one?utm_source=mail&page=2");

        assertThat(offerOf(response).resource().url())
                .isEqualTo("http://shop.test/articles/one?utm_source=mail&page=2");
    }

    @Test
    void aMultiKilobytePathGetsA402NamingItsBeginning() throws Exception {
        String path = "/articles/" + "p".repeat(12_000);

        PaymentRequired offer = offerOf(gateway.get(path + "?x=1"));

        assertThat(offer.resource().url()).hasSize(Offers.MAX_URL_BYTES)
                .isEqualTo(("http://shop.test" + path).substring(0, Offers.MAX_URL_BYTES));
    }

    @Test
    void aCutUrlNeverEndsInsideAPercentEscapeOrACharacter() throws Exception {
        String path = "/articles/" + "%C3%A9".repeat(2_000);

        String url = offerOf(gateway.get(path)).resource().url();

        assertThat(url.length()).isLessThanOrEqualTo(Offers.MAX_URL_BYTES);
        assertThat(url).matches("http://shop\\.test/articles/(%C3%A9)+");
    }

    @Test
    void aPerStreamOfferLeavesOutAStreamTooLongForTheHeader() throws Exception {
        String path = "/videos/" + "v".repeat(12_000);

        PaymentRequired offer = offerOf(gateway.get(path));

        assertThat(offer.accepts().get(0).extra()).containsEntry("charge", "per-stream").doesNotContainKey("stream");
        assertThat(offerOf(gateway.get("/videos/short")).accepts().get(0).extra())
                .containsEntry("stream", "/videos/short");
    }

    @Test
    void aPaidPerStreamRequestForALongPathGetsItsContentAndAReceiptWithoutTheStream() throws Exception {
        String token = gateway.broker.scrip().budget("1000000").sign();
        String path = "/videos/" + "v".repeat(12_000);

        HttpTester.Response response = gateway.paidGet(path, token, 100_000);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).isEqualTo("content of " + path);
        SettlementResponse receipt = X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_RESPONSE),
                SettlementResponse.class);
        assertThat(receipt.amount()).isEqualTo("100000");
        assertThat(receipt.extra()).containsEntry("charge", "per-stream").doesNotContainKey("stream");
    }
}
