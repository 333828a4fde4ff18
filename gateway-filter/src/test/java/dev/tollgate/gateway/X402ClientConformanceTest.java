package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.protocol.PaymentHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official x402 v2 client library ({@code @x402/core}, run in Node.js) decodes our headers, validates them
 * against its schemas, and pays us with a header it encodes. Needs {@code node} and {@code npm} on the PATH;
 * installs the pinned library from {@code src/test/x402/package-lock.json} into {@code target/x402}.
 */
final class X402ClientConformanceTest {

    private static final Path SOURCE = Path.of("src", "test", "x402");
    private static final Path WORK = Path.of("target", "x402");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void installTheOfficialLibrary() throws Exception {
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json", "conformance.mjs")) {
            Files.copy(SOURCE.resolve(file), WORK.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules").resolve("@x402").resolve("core"))) {
            run(WORK, 300, "npm", "ci", "--no-audit", "--no-fund");
        }
    }

    private static String run(Path in, int timeoutSeconds, String... command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0] + ": Node.js and npm must be on the PATH", e);
        }
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        assertThat(process.exitValue()).as("%s failed: %s", String.join(" ", command),
                new String(err, StandardCharsets.UTF_8)).isZero();
        return new String(out, StandardCharsets.UTF_8);
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

            JsonNode result = JSON.readTree(run(WORK, 60, "node", "conformance.mjs", input.toAbsolutePath()
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
