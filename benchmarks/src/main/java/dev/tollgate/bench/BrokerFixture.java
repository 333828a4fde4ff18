package dev.tollgate.bench;

import dev.tollgate.gateway.keys.BrokerKeys;
import dev.tollgate.gateway.keys.BrokerKeysSettings;
import dev.tollgate.gateway.keys.ScripVerifier;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A test broker behind a real JWKS endpoint on loopback, and a {@link ScripVerifier} fed by {@link BrokerKeys} as
 * the filter builds it. Keys are fetched once at start, so verification does no network I/O.
 */
public final class BrokerFixture implements AutoCloseable {

    /** The x402 network of the config written by {@link #writeConfig}: {@code tollgate:<broker id>}. */
    public static final String NETWORK = "tollgate:test";
    /** A budget no benchmark run can spend: 10^12 micro-units. */
    public static final String BUDGET = "1000000000000";

    public final TestBroker broker;
    public final JwksServer jwks;
    public final BrokerKeys keys;
    public final ScripVerifier verifier;

    public BrokerFixture() {
        this.broker = new TestBroker();
        this.jwks = JwksServer.start(broker::jwksJson);
        this.keys = new BrokerKeys(BrokerKeysSettings.of(jwks.jwksUri()));
        keys.start();
        if (keys.lastSuccess().isEmpty()) {
            close();
            throw new IllegalStateException("the JWKS fetch from " + jwks.jwksUri() + " failed");
        }
        this.verifier = new ScripVerifier(keys, TestBroker.ISSUER, TestBroker.SELLER, TestBroker.CURRENCY,
                Duration.ofSeconds(30), Clock.systemUTC());
    }

    /** Scrip signed with the broker's Ed25519 key, valid for an hour. */
    public String ed25519Scrip() {
        return broker.scrip().budget(BUDGET).sign();
    }

    /** Scrip signed with the broker's ES256 key, valid for an hour. */
    public String es256Scrip() {
        return broker.scrip().budget(BUDGET).es256().sign();
    }

    /** The {@code PAYMENT-SIGNATURE} header a buyer sends, as the x402 client builds it. */
    public static String paymentHeader(String token, long acceptedMicros) {
        PaymentRequirements accepted = new PaymentRequirements("scrip", NETWORK, Long.toString(acceptedMicros),
                TestBroker.CURRENCY, TestBroker.SELLER, 60, Map.of());
        ResourceInfo resource = new ResourceInfo("https://shop.test/articles/one", "One article", "text/html");
        return X402Codec.encodeHeader(new PaymentPayload(2, resource, accepted, Map.of("token", token), null));
    }

    /** Writes a gateway config naming this broker, followed by {@code rules} (a YAML {@code rules:} block). */
    public static Path writeConfig(Path dir, URI jwksUri, String rules) throws IOException {
        String yaml = String.join("\n",
                "seller:",
                "  id: " + TestBroker.SELLER,
                "  name: Bench Seller",
                "broker:",
                "  id: test",
                "  name: Bench Broker",
                "  issuer: " + TestBroker.ISSUER,
                "  jwks-url: " + jwksUri,
                "  token-endpoint: https://broker.test/v1/scrip",
                "currency: " + TestBroker.CURRENCY,
                "ledger:",
                "  durability: process-crash-safe",
                "") + rules;
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Override
    public void close() {
        keys.close();
        jwks.close();
    }
}
