package dev.tollgate.gateway.config;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.protocol.Money;
import java.net.URI;
import java.nio.file.Path;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * Checks every value of a {@link ConfigFile} and builds the {@link GatewayConfig}. Collects all problems rather
 * than stopping at the first; {@link #validate} returns {@code null} when there are any. Each section has its own
 * validator ({@link BrokerValidator}, {@link LedgerValidator}, {@link SettlementValidator}, {@link LimitsValidator},
 * {@link RulesValidator}); this class runs them in a fixed order, which is the order the problems are reported in
 * (tests and docs/CONFIG.md rely on it), and checks the seller and the currency itself.
 */
public final class ConfigValidator {

    private final ConfigProblems problems;
    private final Path base;

    /**
     * @param file the config file's name as problems start with it
     * @param base the config file's folder, against which relative paths are resolved
     */
    ConfigValidator(String file, Path base) {
        this(new ConfigProblems(file), base);
    }

    ConfigValidator(ConfigProblems problems, Path base) {
        this.problems = problems;
        this.base = base;
    }

    List<String> problems() {
        return problems.list();
    }

    GatewayConfig validate(ConfigFile raw, Path source) {
        ConfigFile.Seller seller = raw.seller();
        String sellerId = null;
        String sellerName = null;
        Optional<URI> origin = Optional.empty();
        if (seller == null) {
            problems.missing("seller");
        } else {
            sellerId = problems.identifier(seller.id(), "seller.id");
            sellerName = seller.name() == null ? sellerId : problems.text(seller.name(), "seller.name", 200);
            origin = problems.optional(seller.origin(), "seller.origin",
                    value -> Optional.of(SettingValues.origin(value)), origin);
        }
        Currency currency = problems.required(raw.currency(), "currency", SettingValues::currency);
        List<GatewayConfig.Broker> brokers = new BrokerValidator(problems, base).brokers(raw);
        LedgerValidator.Storage storage = new LedgerValidator(problems, base).storage(raw.dataDir(), raw.ledger());
        LimitsValidator limits = new LimitsValidator(problems);
        Integer maxTimeout = limits.maxTimeoutSeconds(raw.maxTimeout());
        SettlementValidator settling = new SettlementValidator(problems, base);
        GatewayConfig.Settlement settlement = settling.settlement(raw.settlement());
        settling.requireSharedKey(raw.ledger(), storage.shared(), settlement);
        GatewayConfig.Online online = settling.online(raw, currency);
        GatewayConfig.PayWord payword = limits.payword(raw.payword());
        PassesValidator passes = new PassesValidator(problems);
        passes.passes(raw.passes(), currency);
        RulesValidator rulesValidator = new RulesValidator(problems, passes);
        Money onlineAbove = online == null ? null : online.onlineAbove().orElse(null);
        List<PriceRule> rules = currency == null ? List.of()
                : rulesValidator.rules(raw.rules(), currency, onlineAbove, brokers);
        GatewayConfig.ClientLimits clientLimits = limits.clientLimits(raw.failedPayments(), raw.clientAddressHeader());
        Boolean shadow = problems.optional(raw.mode(), "mode", ConfigValidator::shadow, false);
        if (!problems.isEmpty()) {
            return null;
        }
        GatewayConfig config = new GatewayConfig(source.toAbsolutePath(), sellerId, sellerName, origin, brokers,
                currency, storage.dataDir(), storage.ledgerFile(), storage.durability(), storage.limits(),
                storage.shared(), maxTimeout, settlement, online, payword, rules, clientLimits, shadow);
        rulesValidator.checkOfferSizes(config);
        return problems.isEmpty() ? config : null;
    }

    /** {@code mode}: {@code live} charges, {@code shadow} serves everything free and counts what it would charge. */
    private static Boolean shadow(String value) {
        switch (value.trim()) {
            case "live":
                return false;
            case "shadow":
                return true;
            default:
                throw new IllegalArgumentException("'" + value + "' is not live or shadow");
        }
    }
}
