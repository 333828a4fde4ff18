package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.bytesBetween;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Where and how durably the gateway keeps what it charged: {@code data-dir} and the {@code ledger} section (its file,
 * its durability, and the bounds on its journal backlog and on the disk it leaves free; docs/LEDGER.md), and the
 * store it shares with other nodes, if any ({@link SharedLedgerValidator}).
 */
final class LedgerValidator {

    /**
     * The ledger's settings; a field is {@code null} after a problem in it ({@code limits} after one in either
     * bound).
     */
    record Storage(Path dataDir, Path ledgerFile, GatewayConfig.Durability durability, SqliteLedger.Limits limits,
                   Optional<SharedLedgerSettings> shared) {
    }

    private final ConfigProblems problems;
    private final Path base;

    /** @param base the config file's folder, against which {@code data-dir} is resolved */
    LedgerValidator(ConfigProblems problems, Path base) {
        this.problems = problems;
        this.base = base;
    }

    Storage storage(Located<String> rawDataDir, ConfigFile.Ledger ledger) {
        Path dataDir = problems.optional(rawDataDir, "data-dir", value -> base.resolve(value).normalize(),
                base.resolve("data"));
        Path ledgerFile = dataDir == null ? null : dataDir.resolve("ledger.db");
        GatewayConfig.Durability durability = GatewayConfig.Durability.PROCESS_CRASH_SAFE;
        Long maxBacklog = SqliteLedger.Limits.DEFAULTS.maxBacklogBytes();
        Long diskReserve = SqliteLedger.Limits.DEFAULTS.diskReserveBytes();
        if (ledger != null) {
            if (dataDir != null) {
                ledgerFile = problems.optional(ledger.file(), "ledger.file", name -> dataDir.resolve(name).normalize(),
                        ledgerFile);
            }
            durability = problems.optional(ledger.durability(), "ledger.durability", LedgerValidator::durability,
                    durability);
            maxBacklog = problems.optional(ledger.maxBacklog(), "ledger.max-backlog", bytesBetween(
                    SqliteLedger.Limits.MIN_BACKLOG_BYTES, SqliteLedger.Limits.MAX_BACKLOG_BYTES), maxBacklog);
            diskReserve = problems.optional(ledger.diskReserve(), "ledger.disk-reserve", bytesBetween(
                    SqliteLedger.Limits.MIN_DISK_RESERVE_BYTES, SqliteLedger.Limits.MAX_DISK_RESERVE_BYTES),
                    diskReserve);
        }
        SqliteLedger.Limits limits = maxBacklog == null || diskReserve == null ? null
                : new SqliteLedger.Limits(maxBacklog, diskReserve);
        return new Storage(dataDir, ledgerFile, durability, limits,
                new SharedLedgerValidator(problems, base).shared(ledger));
    }

    private static GatewayConfig.Durability durability(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "power-cut-safe":
                return GatewayConfig.Durability.POWER_CUT_SAFE;
            case "process-crash-safe":
                return GatewayConfig.Durability.PROCESS_CRASH_SAFE;
            default:
                throw new IllegalArgumentException("'" + value + "' is not power-cut-safe or process-crash-safe");
        }
    }
}
