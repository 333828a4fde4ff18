package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.between;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.protocol.Money;
import java.net.URI;
import java.time.Duration;
import java.util.Currency;
import java.util.Optional;

/**
 * How the gateway gets paid by the broker: redeeming its offline charges in batches ({@code settlement}, PROTOCOL.md
 * section 6) and confirming online charges ({@code online-above}, {@code online-timeout}, section 7), with the broker
 * endpoints each uses.
 */
final class SettlementValidator {

    private final ConfigProblems problems;

    SettlementValidator(ConfigProblems problems) {
        this.problems = problems;
    }

    /** The settlement settings, or {@code null} after a problem. */
    GatewayConfig.Settlement settlement(ConfigFile.Broker rawBroker, GatewayConfig.Broker broker,
                                       ConfigFile.Settlement raw) {
        URI redemption = BrokerValidator.endpoint(problems, rawBroker == null ? null : rawBroker.redemptionUrl(),
                "broker.redemption-url", broker, "/v1/redemptions");
        URI cancel = BrokerValidator.endpoint(problems, rawBroker == null ? null : rawBroker.cancelUrl(),
                "broker.cancel-url", broker, "/v1/scrip/cancel");
        Duration interval = Duration.ofSeconds(60);
        Integer batchSize = 500;
        Duration maxBackoff = Duration.ofMinutes(5);
        Duration refundWindow = GatewayConfig.Settlement.DEFAULT_REFUND_WINDOW;
        if (raw != null) {
            interval = problems.optional(raw.interval(), "settlement.interval", between("1s", "1h"), interval);
            // PROTOCOL.md section 6: a batch carries 1 to 1000 claims
            batchSize = problems.optional(raw.batchSize(), "settlement.batch-size",
                    text -> SettingValues.wholeNumber(text, 1, 1000), batchSize);
            maxBackoff = problems.optional(raw.maxBackoff(), "settlement.max-backoff", between("1s", "1h"),
                    maxBackoff);
            refundWindow = problems.optional(raw.refundWindow(), "settlement.refund-window", between("1s", "10m"),
                    refundWindow);
        }
        if (redemption == null || cancel == null || interval == null || batchSize == null || maxBackoff == null
                || refundWindow == null) {
            return null;
        }
        return new GatewayConfig.Settlement(redemption, cancel, interval, batchSize, maxBackoff, refundWindow);
    }

    /** PROTOCOL.md section 7: where and how fast the broker confirms online charges; {@code null} after a problem. */
    GatewayConfig.Online online(ConfigFile raw, GatewayConfig.Broker broker, Currency currency) {
        ConfigFile.Broker rawBroker = raw.broker();
        URI chargeUri = BrokerValidator.endpoint(problems, rawBroker == null ? null : rawBroker.chargeUrl(),
                "broker.charge-url", broker, "/v1/charges");
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
        if (chargeUri == null || timeout == null) {
            return null;
        }
        return new GatewayConfig.Online(chargeUri, timeout, above);
    }
}
