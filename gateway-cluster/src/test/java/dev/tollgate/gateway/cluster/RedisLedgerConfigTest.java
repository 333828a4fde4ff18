package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger.store: redis} with this module on the class path: its settings read, or refused with their lines;
 * the password only ever from a file, and never in a message.
 */
final class RedisLedgerConfigTest {

    private static final String HEADER = String.join("\n",
            "seller:",
            "  id: seller-1",
            "broker:",
            "  id: test",
            "  issuer: https://broker.test",
            "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
            "  token-endpoint: https://broker.test/v1/scrip",
            "currency: USD",
            "ledger:",
            "  store: redis",
            "");

    @TempDir
    Path dir;

    private Path write(String... ledgerLines) throws Exception {
        SharedSellerKey.at(dir.resolve("seller-key.json"));
        return Files.writeString(dir.resolve("gateway.yaml"), HEADER + String.join("\n", ledgerLines)
                + "\nsettlement:\n  seller-key-file: seller-key.json\n");
    }

    private List<String> problems(String... ledgerLines) throws Exception {
        Path file = write(ledgerLines);
        return catchThrowableOfType(InvalidConfigException.class, () -> GatewayConfig.load(file)).problems();
    }

    @Test
    void redisSettingsAreRead() throws Exception {
        Files.writeString(dir.resolve("redis.pw"), "s3cret\n");
        Files.setPosixFilePermissions(dir.resolve("redis.pw"), PosixFilePermissions.fromString("rw-r-----"));
        GatewayConfig config = GatewayConfig.load(write("  uri: rediss://redis.internal:6380/2", "  username: gw",
                "  password-file: redis.pw", "  command-timeout: 250ms", "  wait-replicas: 1"));

        assertThat(config.sharedLedger()).contains(new SharedLedgerSettings("redis",
                URI.create("rediss://redis.internal:6380/2"), Optional.of("gw"),
                Optional.of(dir.toAbsolutePath().resolve("redis.pw")), Duration.ofMillis(250), 1));
        assertThat(GatewayConfig.load(write("  uri: redis://127.0.0.1:6379")).sharedLedger().orElseThrow())
                .isEqualTo(new SharedLedgerSettings("redis", URI.create("redis://127.0.0.1:6379"), Optional.empty(),
                        Optional.empty(), SharedLedgerSettings.DEFAULT_COMMAND_TIMEOUT, 0));
    }

    @Test
    void leaseAndSlicePolicyAreReadAndDefaultToTheDocumentedValues() throws Exception {
        GatewayConfig config = GatewayConfig.load(write("  uri: redis://127.0.0.1:6379", "  lease-ttl: 2m",
                "  slice-spend-ahead: 500ms", "  slice-min-charges: 10", "  slice-max-share: 2.5%",
                "  slice-max-scrip: 1_000"));

        assertThat(config.sharedLedger().orElseThrow().slices()).isEqualTo(new SharedLedgerSettings.Slices(
                Duration.ofMinutes(2), Duration.ofMillis(500), 10, 25_000, 1_000));
        assertThat(GatewayConfig.load(write("  uri: redis://127.0.0.1:6379")).sharedLedger().orElseThrow().slices())
                .isEqualTo(SharedLedgerSettings.Slices.DEFAULTS).isEqualTo(new SharedLedgerSettings.Slices(
                        Duration.ofSeconds(30), Duration.ofSeconds(2), 4, 250_000, 65_536));
        assertThat(SlicePolicy.defaults()).isEqualTo(new SlicePolicy(Duration.ofSeconds(2), 4, 250_000, 65_536));
        assertThat(SlicePolicy.defaults().maxShare(1_000_003)).as("a quarter, rounded down").isEqualTo(250_000);
        assertThat(LeaseSettings.defaults().ttl()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void badLeaseAndSliceSettingsAreRefusedNamingTheirKeys() throws Exception {
        assertThat(problems("  uri: redis://redis.internal", "  lease-ttl: 500ms", "  slice-spend-ahead: 2h",
                "  slice-min-charges: 0", "  slice-max-share: 25", "  slice-max-scrip: -3")).hasSize(5)
                .anySatisfy(p -> assertThat(p).contains(":12:14: ledger.lease-ttl:", "between 1s and 10m"))
                .anySatisfy(p -> assertThat(p).contains(":13:22: ledger.slice-spend-ahead:", "between 100ms and 1m"))
                .anySatisfy(p -> assertThat(p).contains(":14:22: ledger.slice-min-charges:", "between 1 and"))
                .anySatisfy(p -> assertThat(p).contains(":15:20: ledger.slice-max-share:", "a percentage"))
                .anySatisfy(p -> assertThat(p).contains(":16:20: ledger.slice-max-scrip:", "between 1 and"));
        assertThat(problems("  uri: redis://redis.internal", "  slice-max-share: 0%")).singleElement().asString()
                .contains("ledger.slice-max-share:", "between 0.01% and 100%");
        assertThat(problems("  uri: redis://redis.internal", "  slice-max-share: 100.5%")).singleElement()
                .asString().contains("ledger.slice-max-share:", "between 0.01% and 100%");
        assertThat(problems("  uri: redis://redis.internal", "  command-timeout: 500ms", "  lease-ttl: 4s"))
                .singleElement().asString().contains(":13:14: ledger.lease-ttl:", "at least 10 times",
                        "ledger.command-timeout (500ms)");
        assertThat(problems("  uri: redis://redis.internal", "  command-timeout: 2s", "  lease-ttl: 15s"))
                .singleElement().asString().contains(":13:14: ledger.lease-ttl:", "ledger.command-timeout (2s)");
        // A slow but answering Redis must not make every charge miss the node's 8 s hold deadline.
        assertThat(problems("  uri: redis://redis.internal", "  command-timeout: 2001ms", "  lease-ttl: 10m"))
                .singleElement().asString().contains(":12:20: ledger.command-timeout:", "between 10ms and 2s", "8 s");
        Path embedded = Files.writeString(dir.resolve("gateway.yaml"), HEADER.replace("store: redis", "store: sqlite")
                + "  lease-ttl: 1m\n");
        assertThat(catchThrowableOfType(InvalidConfigException.class, () -> GatewayConfig.load(embedded)).problems())
                .singleElement().asString().contains("ledger.lease-ttl: only for a shared ledger");
    }

    @Test
    void aClusterNodeWithoutTheProvisionedSellerKeyIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("gateway.yaml"), HEADER + "  uri: redis://127.0.0.1:6379\n");
        assertThat(catchThrowableOfType(InvalidConfigException.class, () -> GatewayConfig.load(file)).problems())
                .singleElement().asString().contains(":10:10: settlement.seller-key-file: missing")
                .contains("one seller key");
        Path missing = Files.writeString(dir.resolve("gateway.yaml"), HEADER + "  uri: redis://127.0.0.1:6379\n"
                + "settlement:\n  seller-key-file: nowhere.json\n");
        assertThat(catchThrowableOfType(InvalidConfigException.class, () -> GatewayConfig.load(missing)).problems())
                .singleElement().asString().contains(":13:20: settlement.seller-key-file:").contains("not a file");
        assertThat(GatewayConfig.load(write("  uri: redis://127.0.0.1:6379")).settlement().sellerKeyFile())
                .contains(dir.toAbsolutePath().resolve("seller-key.json"));
    }

    @Test
    void badRedisSettingsAreNamedWithTheirLinesAndNoPasswordIsEverShown() throws Exception {
        assertThat(problems()).singleElement().asString().contains(":10:10: ledger.uri: missing");
        assertThat(problems("  uri: http://redis.internal:6379")).singleElement().asString()
                .contains(":11:8: ledger.uri:").contains("redis:// or rediss://");
        assertThat(problems("  uri: redis://gw:hunter2@redis.internal:6379")).singleElement().asString()
                .contains(":11:8: ledger.uri:").contains("password-file").doesNotContain("hunter2");
        assertThat(problems("  uri: redis://redis.internal", "  password-file: nowhere.pw")).singleElement()
                .asString().contains(":12:18: ledger.password-file:").contains("not a readable file");
        Files.writeString(dir.resolve("exposed.pw"), "hunter3\n");
        Files.setPosixFilePermissions(dir.resolve("exposed.pw"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(problems("  uri: redis://redis.internal", "  password-file: exposed.pw")).singleElement()
                .asString().contains(":12:18: ledger.password-file:").contains("may be read by any user")
                .contains("chmod o-rwx").doesNotContain("hunter3");
        assertThat(problems("  uri: redis://redis.internal", "  command-timeout: 1m", "  wait-replicas: -1"))
                .hasSize(2).anySatisfy(p -> assertThat(p).contains("ledger.command-timeout"))
                .anySatisfy(p -> assertThat(p).contains("ledger.wait-replicas"));
    }
}
