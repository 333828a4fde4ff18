package dev.tollgate.example;

import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The test broker of one test class (a static {@code @RegisterExtension}): its keys published by a real JWKS server,
 * the payments its buyer sends, and a data directory for the gateway's ledger and seller key. Both go after the class.
 */
final class SiteBroker implements AfterAllCallback {

    final TestBroker broker;
    final JwksServer jwks;
    private final Path dataDir;

    SiteBroker(TestBroker broker) {
        this.broker = broker;
        this.jwks = JwksServer.start(broker::jwksJson);
        try {
            this.dataDir = Files.createTempDirectory("spring-site-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Points the app's gateway at this broker and data directory, from a test's {@code @DynamicPropertySource}. */
    void properties(DynamicPropertyRegistry properties) {
        properties.add("tollgate.broker.issuer", () -> TestBroker.ISSUER);
        properties.add("tollgate.broker.jwks-url", () -> jwks.jwksUri().toString());
        properties.add("tollgate.data-dir", dataDir::toString);
    }

    /** A scrip payment of the test broker's buyer, as a buyer client sends it after reading the offer. */
    String payment(long micros) {
        String scrip = broker.scrip().audience(SiteClient.SELLER).budget("100000").sign();
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:demo", Long.toString(micros), "USD",
                SiteClient.SELLER, 60, Map.of());
        return X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://127.0.0.1/", "", ""), accepted,
                Map.of("token", scrip), null));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        jwks.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}
