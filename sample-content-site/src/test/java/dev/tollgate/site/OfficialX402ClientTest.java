package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.buyer.PaidResponse;
import dev.tollgate.buyer.Receipt;
import dev.tollgate.buyer.SpendingLimits;
import dev.tollgate.buyer.TollgateClient;
import dev.tollgate.gateway.SalesReport;
import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.gateway.testing.OfficialX402;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.site.RecordingHttpClient.Exchange;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The buyer client pays the demo through the x402 headers (no browser, no cookie) exactly as the official x402 client
 * does: the official library ({@code @x402/core}, {@code @x402/fetch}, run in Node.js by {@code official-client.mjs})
 * decodes and validates what the buyer client sent, then pays the same article from the same 402 with the same scrip,
 * and the two {@code PAYMENT-SIGNATURE} payloads differ in nothing but the per-payment values.
 */
final class OfficialX402ClientTest {

    private static final String ARTICLE = "/articles/scrip-a-short-history";
    private static final long PRICE = 50_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theBuyerClientPaysTheDemoThroughTheX402HeadersExactlyAsTheOfficialClientDoes() throws Exception {
        OfficialX402 library = OfficialX402.install(Path.of("target", "x402"),
                Path.of("src", "test", "x402", "official-client.mjs"));
        try (DemoFixture demo = DemoFixture.start(dir)) {
            URI url = demo.site(ARTICLE);
            RecordingHttpClient wire = new RecordingHttpClient(demo.http);
            TollgateClient client = TollgateClient.builder().broker(demo.site.brokerUri())
                    .apiKey(demo.site.buyer().apiKey()).httpClient(wire)
                    .limits(SpendingLimits.builder("USD").maxPerRequest("0.10").build()).build();

            PaidResponse<String> bought = client.send(HttpRequest.newBuilder(url).build(), BodyHandlers.ofString());

            List<Exchange> atTheSite = wire.exchanges().stream()
                    .filter(e -> e.request().uri().getPort() == url.getPort()).toList();
            assertThat(atTheSite).hasSize(2);
            Exchange offer = atTheSite.get(0);
            Exchange paid = atTheSite.get(1);
            assertThat(offer.response().statusCode()).isEqualTo(402);
            assertThat(paid.request().headers().firstValue("Cookie")).isEmpty();
            assertThat(bought.response().statusCode()).isEqualTo(200);
            assertThat(bought.body()).contains("Scrip: a short history");

            Path exchange = dir.resolve("exchange.json");
            JSON.writeValue(exchange.toFile(), Map.of("url", url.toString(),
                    "required", header(offer.response().headers(), PaymentHeaders.PAYMENT_REQUIRED),
                    "signature", header(paid.request().headers(), PaymentHeaders.PAYMENT_SIGNATURE),
                    "response", header(paid.response().headers(), PaymentHeaders.PAYMENT_RESPONSE)));
            JsonNode result = JSON.readTree(library.node(Map.of("NODE_EXTRA_CA_CERTS",
                    demo.site.tls().certificatePem().toAbsolutePath().toString()), "official-client.mjs",
                    exchange.toAbsolutePath().toString()));
            JsonNode buyer = result.get("buyer");
            JsonNode official = result.get("official");

            // The same 402; the buyer client echoed one of its offers exactly, as the official client did.
            assertThat(official.get("required")).isEqualTo(buyer.get("required"));
            assertThat(buyer.get("required").get("accepts")).contains(buyer.get("payload").get("accepted"));
            JsonNode declared = buyer.get("required").path("extensions").path("payment-identifier");
            Set<String> perPayment = declared.isMissingNode() ? Set.of()
                    : Set.of("extensions.payment-identifier.info.id");
            assertThat(differences("", buyer.get("payload"), official.get("payload")))
                    .as("where the payloads differ: the buyer client's %s, the official client's %s",
                            buyer.get("payload"), official.get("payload"))
                    .isEqualTo(perPayment);

            // The demo served both; the official client's payment, by the same buyer within the article's access
            // window, re-read it free: the ledger holds the buyer client's one charge, which both receipts name.
            assertThat(official.get("status").asInt()).isEqualTo(200);
            assertThat(official.get("body").asText()).contains("Scrip: a short history");
            Receipt receipt = bought.receipt().orElseThrow();
            JsonNode settlement = buyer.get("settlement");
            JsonNode reRead = official.get("settlement");
            SalesReport sales = demo.site.gateway().report(10);
            assertThat(sales.recentCharges()).extracting(Sales.Charge::receiptId)
                    .containsExactly(receipt.transaction());
            assertThat(sales.recentCharges()).allSatisfy(charge -> {
                assertThat(charge.resource()).isEqualTo(ARTICLE);
                assertThat(charge.amountMicros()).isEqualTo(PRICE);
                assertThat(charge.refunded()).isFalse();
            });
            assertThat(sales.totalMicros()).isEqualTo(PRICE);
            assertThat(reRead.get("transaction").asText()).isEqualTo(receipt.transaction());
            assertThat(reRead.get("amount").asText()).isEqualTo("0");
            assertThat(reRead.get("extra").get("entitled").asBoolean()).isTrue();
            assertThat(reRead.get("extra").get("remaining").asLong())
                    .isEqualTo(settlement.get("extra").get("remaining").asLong());

            // The buyer client's receipt says what the official library reads in the PAYMENT-RESPONSE it got.
            JsonNode accepted = buyer.get("payload").get("accepted");
            assertThat(settlement.get("success").asBoolean()).isTrue();
            assertThat(settlement.get("network").asText()).isEqualTo(accepted.get("network").asText());
            assertThat(receipt.transaction()).isEqualTo(settlement.get("transaction").asText()).isNotEmpty();
            assertThat(receipt.amountMicros()).isEqualTo(Long.parseLong(settlement.get("amount").asText()))
                    .isEqualTo(PRICE);
            assertThat(receipt.refunded()).isEqualTo(settlement.path("extra").path("refunded").asBoolean(false));
            assertThat(receipt.seller()).isEqualTo(accepted.get("payTo").asText());
            assertThat(receipt.currency()).isEqualTo(accepted.get("asset").asText());
            assertThat(receipt.scheme()).isEqualTo(accepted.get("scheme").asText());
            assertThat(receipt.charge()).isEqualTo(accepted.get("extra").get("charge").asText());
        }
    }

    private static String header(java.net.http.HttpHeaders headers, String name) {
        return headers.firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " header"));
    }

    /** The paths of the leaves where {@code a} and {@code b} differ, a member missing on one side included. */
    private static Set<String> differences(String path, JsonNode a, JsonNode b) {
        Set<String> out = new TreeSet<>();
        if (a != null && b != null && a.isObject() && b.isObject()) {
            Set<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                out.addAll(differences(path.isEmpty() ? name : path + "." + name, a.get(name), b.get(name)));
            }
        } else if (!Objects.equals(a, b)) {
            out.add(path);
        }
        return out;
    }
}
