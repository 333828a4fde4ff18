package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.between;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import dev.tollgate.protocol.Money;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Currency;
import java.util.Optional;

/**
 * How the gateway gets paid by the brokers: redeeming its offline charges in batches ({@code settlement}, PROTOCOL.md
 * section 6) and confirming online charges ({@code online-above}, {@code online-timeout}, section 7). The endpoints
 * each uses are every broker's own ({@link BrokerValidator}).
 */
final class SettlementValidator {

    private final ConfigProblems problems;
    private final Path base;

    /** @param base the config file's folder, against which {@code seller-key-file} is resolved */
    SettlementValidator(ConfigProblems problems, Path base) {
        this.problems = problems;
        this.base = base;
    }

    /** The settlement settings, or {@code null} after a problem. */
    GatewayConfig.Settlement settlement(ConfigFile.Settlement raw) {
        Duration interval = Duration.ofSeconds(60);
        Integer batchSize = 500;
        Duration maxBackoff = Duration.ofMinutes(5);
        Duration refundWindow = GatewayConfig.Settlement.DEFAULT_REFUND_WINDOW;
        Optional<Path> sellerKeyFile = Optional.empty();
        Duration maxBacklogAge = GatewayConfig.Settlement.DEFAULT_MAX_BACKLOG_AGE;
        if (raw != null) {
            sellerKeyFile = problems.optional(Located.unlessEmpty(raw.sellerKeyFile()), "settlement.seller-key-file",
                    this::existingFile, sellerKeyFile);
            interval = problems.optional(raw.interval(), "settlement.interval", between("1s", "1h"), interval);
            // PROTOCOL.md section 6: a batch carries 1 to 1000 claims
            batchSize = problems.optional(raw.batchSize(), "settlement.batch-size",
                    text -> SettingValues.wholeNumber(text, 1, 1000), batchSize);
            maxBackoff = problems.optional(raw.maxBackoff(), "settlement.max-backoff", between("1s", "1h"),
                    maxBackoff);
            refundWindow = problems.optional(raw.refundWindow(), "settlement.refund-window", between("1s", "10m"),
                    refundWindow);
            maxBacklogAge = problems.optional(raw.maxBacklogAge(), "settlement.max-backlog-age", between("1m", "7d"),
                    maxBacklogAge);
        }
        if (interval == null || batchSize == null || maxBackoff == null || refundWindow == null
                || sellerKeyFile == null || maxBacklogAge == null) {
            return null;
        }
        return new GatewayConfig.Settlement(interval, batchSize, maxBackoff, refundWindow, sellerKeyFile,
                maxBacklogAge);
    }

    /**
     * A node of a cluster ({@code shared}: its ledger store shared with other nodes) signs with the seller key
     * provisioned to every node: with a key of its own it would be another seller at the broker.
     */
    void requireSharedKey(ConfigFile.Ledger ledger, Optional<SharedLedgerSettings> shared,
                          GatewayConfig.Settlement settlement) {
        if (shared != null && shared.isPresent() && settlement != null && settlement.sellerKeyFile().isEmpty()) {
            problems.problem(ledger.store() != null ? ledger.store() : ledger.type(), "settlement.seller-key-file",
                    "missing: every node of a cluster (ledger.store: " + shared.get().store()
                            + ") signs its claims with the one seller key the seller registered at the broker; "
                            + "provision that key file (owner-only) to each node and name it here (docs/CLUSTER.md)");
        }
    }

    private Optional<Path> existingFile(String value) {
        Path file = base.resolve(value.trim()).normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("'" + file + "' is not a file: provision the seller key there");
        }
        return Optional.of(file);
    }

    /** PROTOCOL.md section 7: how fast the brokers confirm online charges; {@code null} after a problem. */
    GatewayConfig.Online online(ConfigFile raw, Currency currency) {
        Duration timeout = problems.optional(raw.onlineTimeout(), "online-timeout", between("100ms", "10s"),
                Duration.ofSeconds(2));
        Optional<Money> above = Optional.empty();
        if (raw.onlineAbove() != null && raw.onlineAbove().value() != null) {
            if (currency == null) {
                return null;
            }
            Money money = problems.setting(raw.onlineAbove(), "online-above", text -> SettingValues.positivePrice(
                    text, currency, "online-above must be above 0; leave it out to decide per rule with confirm: "
                            + "online"));
            if (money == null) {
                return null;
            }
            above = Optional.of(money);
        }
        if (timeout == null) {
            return null;
        }
        return new GatewayConfig.Online(timeout, above);
    }
}
