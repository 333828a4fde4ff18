package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerProvider;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.io.IOException;
import java.nio.file.Files;

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
}
