package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A former cluster node restarted without its cluster settings (its {@code ledger.store} placeholder resolving to
 * the default) must not charge as a single node on its cluster ledger file: Redis would never know those charges and
 * the scrip would be charged past their budget and claimed twice. The embedded ledger refuses a file that carries
 * the cluster marker (docs/CLUSTER.md "Settlement").
 */
final class ClusterLedgerAsSingleNodeTest {

    @TempDir
    Path dir;

    @Test
    void aLedgerFileMarkedAsAClusterNodesIsRefusedAsASingleNode() throws Exception {
        GatewayConfig config = GatewayConfig.load(ConfigFiles.write(dir, ConfigLoaderTest.HEADER
                + "ledger:\n  store: ${tollgate.test.no-store:-sqlite}\n"));
        assertThat(config.sharedLedger()).isEmpty();
        String nodeId;
        try (Ledger ledger = LedgerFactory.open(config)) {
            nodeId = ((SqliteLedger) ledger).databaseId();
        }
        Path marker = config.ledgerFile().resolveSibling(config.ledgerFile().getFileName() + ".cluster");
        Files.writeString(marker, nodeId + "\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> LedgerFactory.open(config)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(nodeId).hasMessageContaining("ledger.store: redis")
                .hasMessageContaining(marker.toString());
    }

    @Test
    void aLedgerFileWithoutTheMarkerOpensAgain() throws Exception {
        GatewayConfig config = GatewayConfig.load(ConfigFiles.write(dir, ConfigLoaderTest.HEADER));
        LedgerFactory.open(config).close();
        try (Ledger ledger = LedgerFactory.open(config)) {
            assertThat(ledger).isInstanceOf(SqliteLedger.class);
        }
    }
}
