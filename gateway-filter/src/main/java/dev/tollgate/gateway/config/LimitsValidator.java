package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.wholeNumber;

import dev.tollgate.gateway.GatewayConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * The bounds on what one buyer or one payment can cost the gateway: {@code max-timeout} (how long an offer's scrip
 * may take to arrive), {@code payword} (PROTOCOL.md section 8: chain length and step), and {@code failed-payments}
 * with {@code client-address-header} (failed verifications per client address).
 */
final class LimitsValidator {

    private final ConfigProblems problems;

    LimitsValidator(ConfigProblems problems) {
        this.problems = problems;
    }

    /** The offers' {@code maxTimeoutSeconds}: 1s to 1h, 60 unless given; {@code null} after a problem. */
    Integer maxTimeoutSeconds(Located<String> raw) {
        return problems.optional(raw, "max-timeout", text -> {
            Duration duration = Durations.parse(text);
            if (duration.isNegative() || duration.isZero() || duration.toSeconds() > 3600) {
                throw new IllegalArgumentException("'" + text + "' must be between 1s and 1h");
            }
            return (int) duration.toSeconds();
        }, 60);
    }

    /** PROTOCOL.md section 8: the limits that bound what one PayWord chain and one payment can cost to check. */
    GatewayConfig.PayWord payword(ConfigFile.PayWord raw) {
        GatewayConfig.PayWord defaults = GatewayConfig.PayWord.DEFAULTS;
        if (raw == null) {
            return defaults;
        }
        Integer length = problems.optional(raw.maxChainLength(), "payword.max-chain-length",
                text -> wholeNumber(text, 1, GatewayConfig.PayWord.MAX_CHAIN_LENGTH), defaults.maxChainLength());
        if (length == null) {
            return null;
        }
        int maxLength = length;
        Integer step = problems.optional(raw.maxStep(), "payword.max-step", text -> wholeNumber(text, 1, maxLength),
                Math.min(defaults.maxStep(), maxLength));
        return step == null ? null : new GatewayConfig.PayWord(length, step);
    }

    /** The limit on failed verifications per client address, and where a reverse proxy puts that address. */
    GatewayConfig.ClientLimits clientLimits(ConfigFile.FailedPayments raw, Located<String> header) {
        GatewayConfig.ClientLimits defaults = GatewayConfig.ClientLimits.DEFAULTS;
        Integer burst = defaults.failureBurst();
        Integer perMinute = defaults.failuresPerMinute();
        Integer clients = defaults.clients();
        if (raw != null) {
            burst = problems.optional(raw.burst(), "failed-payments.burst", text -> wholeNumber(text, 1, 10_000),
                    burst);
            perMinute = problems.optional(raw.perMinute(), "failed-payments.per-minute",
                    text -> wholeNumber(text, 1, 60_000), perMinute);
            clients = problems.optional(raw.clients(), "failed-payments.clients",
                    text -> wholeNumber(text, 1_000, 10_000_000), clients);
        }
        Optional<String> addressHeader = problems.optional(header, "client-address-header", name -> {
            String trimmed = name.trim();
            if (!trimmed.matches("[A-Za-z0-9-]{1,64}")) {
                throw new IllegalArgumentException("'" + name + "' is not a header name");
            }
            return Optional.of(trimmed);
        }, Optional.empty());
        if (burst == null || perMinute == null || clients == null || addressHeader == null) {
            return null;
        }
        return new GatewayConfig.ClientLimits(burst, perMinute, clients, addressHeader);
    }
}
