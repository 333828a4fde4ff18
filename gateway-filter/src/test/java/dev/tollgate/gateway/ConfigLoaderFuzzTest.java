package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.config.ConfigLoader;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.testing.SelfSignedCertificate;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config loader over mutated configs (docs/CONFIG.md): a config the filter can run with, or an
 * {@link InvalidConfigException} whose every problem names the file; never another exception, which would stop a
 * reload with a stack trace instead of a message, or start a filter on a config it cannot use.
 */
final class ConfigLoaderFuzzTest {

    /** Settings the documented example leaves out, so that their checks are reached too. */
    private static final String MORE = String.join("\n",
            "seller:",
            "  id: seller-1",
            "  origin: https://shop.example:8443",
            "broker:",
            "  id: test",
            "  issuer: https://broker.test",
            "  jwks-url: https://broker.test/.well-known/jwks.json",
            "  token-endpoint: https://broker.test/v1/scrip",
            "  pay-url: https://broker.test/pay",
            "  redemption-url: https://broker.test/v1/redemptions",
            "  charge-url: https://broker.test/v1/charges",
            "  clock-skew: 0s",
            "currency: EUR",
            "ledger:",
            "  durability: power-cut-safe",
            "settlement:",
            "  interval: 5s",
            "  batch-size: 100",
            "  max-backoff: 1m",
            "online-above: 0.50",
            "online-timeout: 1s",
            "payword:",
            "  max-chain-length: 1000",
            "  max-step: 50",
            "rules:",
            "  - match: /live/**",
            "    price: 0.10",
            "    charge: per-stream",
            "    window: 1h",
            "    stream: /live/{channel}/**",
            "  - match: '*.zip'",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 1MiB",
            "    schemes: [scrip, payword]",
            "  - match: /buy/**",
            "    methods: [POST]",
            "    price: 1.00",
            "    confirm: online",
            "");

    @TempDir
    Path dir;

    @Test
    void aMutatedConfigLoadsAsOneTheFilterCanRunOrIsRefusedWithProblemsNamingTheFile() throws Exception {
        Path pem = SelfSignedCertificate.generate().writePem(dir.resolve("demo.pem"));
        List<String> valid = List.of(Files.readString(Path.of("..", "config", "gateway.yaml")), MORE,
                GatewayHarness.config(URI.create("http://127.0.0.1:9/jwks.json"), GatewayHarness.RULES));
        Path file = dir.resolve("gateway.yaml");
        for (String config : valid) {
            Files.writeString(file, config);
            ConfigLoader.load(file, name -> name.equals("tollgate.trust-file") ? pem.toString() : null);
        }
        Fuzz.forAll("config loading", 1000, random -> {
            String config = Gen.oneOf(random, valid);
            return random.nextInt(4) == 0 ? Mutate.bytes(config.getBytes(StandardCharsets.UTF_8), random)
                    : Mutate.yaml(config, random).getBytes(StandardCharsets.UTF_8);
        }, yaml -> {
            Files.write(file, yaml);
            GatewayConfig config;
            try {
                config = ConfigLoader.load(file, name -> name.equals("tollgate.trust-file") ? pem.toString() : null);
            } catch (InvalidConfigException e) {
                assertThat(e.problems()).isNotEmpty().allSatisfy(problem -> assertThat(problem).startsWith(
                        file.toString()));
                return;
            }
            Snapshot snapshot = new Snapshot(config, null);
            assertThat(config.brokers()).isNotEmpty().allSatisfy(broker -> assertThat(snapshot.brokerOn(
                    broker.network())).isSameAs(broker));
            assertThat(snapshot.networks).startsWith("'tollgate:");
            for (PriceRule rule : config.rules()) {
                assertThat(rule.charge() == ChargeModel.FREE || rule.price().micros() > 0).as(rule.toString())
                        .isTrue();
            }
            assertThat(config.payword().maxStep()).isBetween(1, config.payword().maxChainLength());
        });
    }
}
