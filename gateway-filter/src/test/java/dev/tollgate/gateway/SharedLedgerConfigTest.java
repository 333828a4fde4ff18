package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger.store} and a shared store's settings, checked with their lines: without gateway-cluster on the class
 * path (as here) {@code redis} is refused; bad URIs, credentials in the URI and a missing password file are named,
 * never the password itself. The store with its provider present is tested in gateway-cluster.
 */
final class SharedLedgerConfigTest {

    @TempDir
    Path dir;

    private static String ledger(String... lines) {
        return ConfigLoaderTest.HEADER + "ledger:\n" + String.join("\n", lines) + "\n";
    }

    @Test
    void theEmbeddedStoreIsTheDefaultAndTypeIsItsOlderName() throws Exception {
        assertThat(GatewayConfig.load(ConfigFiles.write(dir, ledger("  store: sqlite"))).sharedLedger()).isEmpty();
        assertThat(GatewayConfig.load(ConfigFiles.write(dir, ledger("  type: sqlite"))).sharedLedger()).isEmpty();
        assertThat(ConfigFiles.problemsOf(dir, ledger("  store: sqlite", "  type: sqlite")).problems())
                .singleElement().asString().contains(":12:9: ledger.type:").contains("older name");
    }

    @Test
    void redisIsRefusedWithAClearMessageWhenItsProviderIsNotOnTheClassPath() throws Exception {
        assertThat(ConfigFiles.problemsOf(dir, ledger("  store: redis", "  uri: redis://127.0.0.1:6379")).problems())
                .singleElement().asString().contains(":11:10: ledger.store:").contains("gateway-cluster");
        assertThat(ConfigFiles.problemsOf(dir, ledger("  store: mongo")).problems())
                .singleElement().asString().contains(":11:10: ledger.store:").contains("not a ledger store");
    }

    @Test
    void sharedSettingsOnTheEmbeddedLedgerAreNamedAsProblems() throws Exception {
        assertThat(ConfigFiles.problemsOf(dir, ledger("  uri: redis://127.0.0.1:6379", "  wait-replicas: 1"))
                .problems()).hasSize(2).first().asString().contains(":11:8: ledger.uri:").contains("shared ledger");
    }

    @Test
    void sharedSettingsThatResolveToNothingAreUnwrittenSoOneFileServesOneNodeAndACluster() throws Exception {
        GatewayConfig single = GatewayConfig.load(ConfigFiles.write(dir, ledger(
                "  store: ${tollgate.test.no-store:-sqlite}", "  uri: ${tollgate.test.no-redis:-}",
                "  password-file: ${tollgate.test.no-password:-}") + "settlement:\n"
                + "  seller-key-file: ${tollgate.test.no-key:-}\n"));

        assertThat(single.sharedLedger()).isEmpty();
        assertThat(single.settlement().sellerKeyFile()).isEmpty();
        assertThat(ConfigFiles.problemsOf(dir, ledger("  store: sqlite", "  uri: redis://127.0.0.1:6379",
                "  password-file: ${tollgate.test.no-password:-}")).problems()).singleElement().asString()
                .contains("ledger.uri:").contains("shared ledger");
    }
}
