package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.testing.OfficialX402;
import dev.tollgate.protocol.PaymentHeaders;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official x402 v2 client library ({@code @x402/core}, run in Node.js) decodes our headers, validates them
 * against its schemas, and pays us with a header it encodes. Needs {@code node} and {@code npm} on the PATH;
 * {@link OfficialX402} installs the pinned library from {@code src/test/x402/package-lock.json} into
 * {@code target/x402}.
 */
final class X402ClientConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static OfficialX402 library;

    @TempDir
    Path dir;

    @BeforeAll
    static void installTheOfficialLibrary() throws Exception {
        library = OfficialX402.install(Path.of("target", "x402"), Path.of("src", "test", "x402", "conformance.mjs"));
    }

    @Test
    void theOfficialClientDecodesOurHeadersAndPaysUs() throws Exception {
        try (GatewayHarness gateway = new GatewayHarness(dir).start()) {
            String token = gateway.broker.scrip().budget("200000").sign();
            HttpTester.Response offer = gateway.get("/articles/one");
            HttpTester.Response paid = gateway.paidGet("/articles/two", token, 50_000);
            Path input = dir.resolve("input.json");
            JSON.writeValue(input.toFile(), Map.of("required", offer.get(PaymentHeaders.PAYMENT_REQUIRED),
                    "response", paid.get(PaymentHeaders.PAYMENT_RESPONSE), "token", token));

            JsonNode result = JSON.readTree(library.node(Map.of(), "conformance.mjs", input.toAbsolutePath()
                    .toString()));

            JsonNode accepts = result.get("required").get("accepts").get(0);
            assertThat(result.get("required").get("x402Version").asInt()).isEqualTo(2);
            assertThat(accepts.get("scheme").asText()).isEqualTo("scrip");
            assertThat(accepts.get("network").asText()).isEqualTo("tollgate:test");
            assertThat(accepts.get("amount").asText()).isEqualTo("50000");
            assertThat(accepts.get("payTo").asText()).isEqualTo("seller-1");
            assertThat(result.get("response").get("success").asBoolean()).isTrue();
            assertThat(result.get("response").get("transaction").asText()).isNotBlank();

            HttpTester.Response paidByTheLibrary = gateway.get("/articles/three",
                    PaymentHeaders.PAYMENT_SIGNATURE, result.get("signature").asText());
            assertThat(paidByTheLibrary.getStatus()).isEqualTo(200);
            assertThat(TollgateFilterTest.receiptOf(paidByTheLibrary).extra()).containsEntry("remaining", "100000");
        }
    }
}
