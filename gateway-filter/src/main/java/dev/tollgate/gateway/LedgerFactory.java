package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.io.IOException;
import java.nio.file.Files;

/** Opens the embedded ledger a config names. */
final class LedgerFactory {

    private LedgerFactory() {
    }

    /** @throws IllegalStateException if the ledger file cannot be opened */
    static Ledger open(GatewayConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        SqliteDriver.loadNativeLibrary();
        SqliteLedger.Durability durability = config.durability() == GatewayConfig.Durability.POWER_CUT_SAFE
                ? SqliteLedger.Durability.POWER_CUT_SAFE : SqliteLedger.Durability.PROCESS_CRASH_SAFE;
        return SqliteLedger.open(config.ledgerFile(), durability, config.ledgerLimits());
    }
}
