package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.between;
import static dev.tollgate.gateway.config.SettingValues.url;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.keys.TrustFile;
import dev.tollgate.protocol.Scrip;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code broker} section: who issues the scrip this gateway accepts, where its keys and pages are, and how long
 * its keys may be trusted without a refresh. Its endpoints for settlement and online charges are
 * {@link SettlementValidator}'s, since they default to paths under the issuer checked here.
 */
final class BrokerValidator {

    private final ConfigProblems problems;
    private final Path base;

    /** @param base the config file's folder, against which {@code broker.trust-file} is resolved */
    BrokerValidator(ConfigProblems problems, Path base) {
        this.problems = problems;
        this.base = base;
    }

    /** The broker, or {@code null} after a problem in the section (also when it is missing). */
    GatewayConfig.Broker broker(ConfigFile.Broker raw) {
        if (raw == null) {
            problems.missing("broker");
            return null;
        }
        String id = problems.required(raw.id(), "broker.id", value -> {
            if (!Scrip.isValidBrokerId(value)) {
                throw new IllegalArgumentException("'" + value
                        + "' is not a broker id: use 1 to 32 letters, digits, - or _");
            }
            return value;
        });
        String name = raw.name() == null ? id : problems.text(raw.name(), "broker.name", 200);
        String issuer = problems.required(raw.issuer(), "broker.issuer", value -> {
            url(value, false);
            return value;
        });
        URI jwks = problems.required(raw.jwksUrl(), "broker.jwks-url", value -> url(value, true));
        URI tokenEndpoint = problems.required(raw.tokenEndpoint(), "broker.token-endpoint", value -> url(value, false));
        Duration refresh = problems.optional(raw.keyRefresh(), "broker.key-refresh", between("10s", "24h"),
                Duration.ofMinutes(5));
        Duration refetch = problems.optional(raw.unknownKidRefetch(), "broker.unknown-kid-refetch",
                between("1s", "1h"), Duration.ofSeconds(30));
        Duration maxStale = problems.optional(raw.maxStale(), "broker.max-stale", between("1m", "30d"),
                Duration.ofHours(24));
        Duration skew = problems.optional(raw.clockSkew(), "broker.clock-skew", between("0s", "5m"),
                Duration.ofSeconds(30));
        if (refresh != null && maxStale != null && maxStale.compareTo(refresh.multipliedBy(2)) < 0) {
            boolean staleGiven = raw.maxStale() != null && raw.maxStale().value() != null;
            problems.problem(staleGiven ? raw.maxStale() : raw.keyRefresh(), staleGiven ? "broker.max-stale"
                    : "broker.key-refresh", "max-stale (" + Durations.format(maxStale) + ") must be at least twice "
                    + "key-refresh (" + Durations.format(refresh) + "): cached keys must outlive a failed refresh, "
                    + "or payments fail between refreshes and a scrip verified just before its keys went stale is "
                    + "accepted for up to key-refresh more; make max-stale " + Durations.format(refresh.multipliedBy(2))
                    + " or more, or key-refresh shorter");
        }
        URI payUri = issuer == null ? null : problems.optional(raw.payUrl(), "broker.pay-url", BrokerValidator::payUrl,
                URI.create(withoutTrailingSlash(issuer.trim()) + "/pay"));
        Optional<Path> trustFile = problems.optional(raw.trustFile(), "broker.trust-file", value -> {
            Path path = base.resolve(value).normalize();
            TrustFile.certificates(path); // fail at load, with the reason, rather than at the first HTTPS call
            return Optional.of(path);
        }, Optional.empty());
        return new GatewayConfig.Broker(id, name, issuer, jwks, tokenEndpoint, refresh, refetch, maxStale, skew,
                payUri, trustFile);
    }

    /**
     * A broker endpoint: the setting if given, else {@code path} under the broker's issuer; {@code null} if neither
     * is (the problem is already recorded).
     */
    static URI endpoint(ConfigProblems problems, Located<String> raw, String name, GatewayConfig.Broker broker,
                        String path) {
        if (raw != null && raw.value() != null) {
            return problems.setting(raw, name, value -> url(value, true));
        }
        if (broker == null || broker.issuer() == null) {
            return null;
        }
        return URI.create(withoutTrailingSlash(broker.issuer().trim()) + path);
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The gateway adds seller, return, state, price and item to the pay URL: it must have no query of its own. */
    private static URI payUrl(String value) {
        URI uri = url(value, true);
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + value + "' must have no query or fragment; the gateway adds "
                    + "seller, return, state, price and item itself");
        }
        return uri;
    }
}
