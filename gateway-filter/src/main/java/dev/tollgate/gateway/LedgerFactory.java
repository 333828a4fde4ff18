package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerProvider;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the ledger a config names: the embedded one, and over it the store shared with other nodes, if any. */
final class LedgerFactory {

    private LedgerFactory() {
    }

    /** @throws IllegalStateException if the ledger file cannot be opened, or the shared store reached */
    static Ledger open(GatewayConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        SqliteDriver.loadNativeLibrary();
        SqliteLedger.Durability durability = config.durability() == GatewayConfig.Durability.POWER_CUT_SAFE
                ? SqliteLedger.Durability.POWER_CUT_SAFE : SqliteLedger.Durability.PROCESS_CRASH_SAFE;
        if (config.sharedLedger().isEmpty()) {
            refuseClusterLedger(config.ledgerFile());
        }
        SqliteLedger node = SqliteLedger.open(config.ledgerFile(), durability, config.ledgerLimits());
        if (config.sharedLedger().isEmpty()) {
            return node;
        }
        SharedLedgerSettings shared = config.sharedLedger().get();
        try {
            // The config checked that the provider is there; it may not be if the class path changed since.
            LedgerProvider provider = LedgerProvider.find(shared.store()).orElseThrow(() -> new IllegalStateException(
                    "no ledger provider for '" + shared.store() + "' on the class path (gateway-cluster's jar)"));
            return provider.open(node, shared);
        } catch (LedgerUnavailableException | RuntimeException e) {
            node.close();
            throw new IllegalStateException("cannot open the " + shared.store() + " ledger at "
                    + shared.uri().getHost() + ":" + shared.uri().getPort() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A cluster node's ledger opened without its cluster settings (say its {@code ledger.store} placeholder resolved
     * to the default) would charge each scrip up to its whole budget without Redis and claim it again later.
     */
    private static void refuseClusterLedger(Path ledgerFile) throws IOException {
        Path marker = SqliteLedger.clusterMarker(ledgerFile);
        if (Files.exists(marker)) {
            String node = Files.readString(marker, StandardCharsets.UTF_8).strip();
            throw new IllegalStateException("the ledger " + ledgerFile + " belongs to cluster node " + node
                    + " on Redis (its marker " + marker + " says so) and may not charge as a single node: configure "
                    + "ledger.store: redis with the cluster's ledger.uri, or retire the node (tollgate-retire-node) "
                    + "and move the ledger file and its marker away (docs/CLUSTER.md \"Settlement\")");
        }
    }
}
