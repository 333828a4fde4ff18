package dev.tollgate.gateway.config;

import static dev.tollgate.gateway.config.SettingValues.between;
import static dev.tollgate.gateway.config.SettingValues.url;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.keys.TrustFile;
import dev.tollgate.protocol.Scrip;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The {@code broker} section, or the {@code brokers} list: who issues the scrip this gateway accepts, where each
 * broker's keys, pages and endpoints are, and how long its keys may be trusted without a refresh. No two brokers
 * share an id (their x402 network) or an issuer (which keys verify a scrip).
 */
final class BrokerValidator {

    /** The most brokers a config names: each has its own key refresh and settlement threads and 402 entries. */
    static final int MAX_BROKERS = 16;

    private final ConfigProblems problems;
    private final Path base;

    /** @param base the config file's folder, against which a broker's {@code trust-file} is resolved */
    BrokerValidator(ConfigProblems problems, Path base) {
        this.problems = problems;
        this.base = base;
    }

    /** The brokers in the order written, or {@code null} after a problem (also when there is none). */
    List<GatewayConfig.Broker> brokers(ConfigFile raw) {
        Located<List<Located<ConfigFile.Broker>>> list = raw.brokers();
        if (list != null && raw.broker() != null) {
            problems.problem(list, "brokers", "write either broker: (one broker) or brokers: (a list), not both");
            return null;
        }
        if (list == null || list.value() == null) {
            GatewayConfig.Broker one = broker(raw.broker(), null, "broker");
            return one == null ? null : List.of(one);
        }
        List<Located<ConfigFile.Broker>> entries = list.value();
        if (entries.isEmpty() || entries.size() > MAX_BROKERS) {
            problems.problem(list, "brokers", entries.isEmpty() ? "empty list; name at least one broker"
                    : entries.size() + " brokers; a config names at most " + MAX_BROKERS);
            return null;
        }
        List<GatewayConfig.Broker> brokers = new ArrayList<>();
        Map<String, String> ids = new HashMap<>();
        Map<String, String> issuers = new HashMap<>();
        boolean valid = true;
        for (int i = 0; i < entries.size(); i++) {
            Located<ConfigFile.Broker> entry = entries.get(i);
            String at = "brokers[" + i + "]";
            if (entry.value() == null) {
                problems.problem(entry, at, "empty broker");
                valid = false;
                continue;
            }
            GatewayConfig.Broker broker = broker(entry.value(), entry, at);
            valid &= unique(entry.value().id(), at + ".id", "id", ids, at)
                    & unique(entry.value().issuer(), at + ".issuer", "issuer", issuers, at)
                    & broker != null;
            brokers.add(broker);
        }
        return valid ? List.copyOf(brokers) : null;
    }

    /** Records a problem if another broker was written with the same value; whether there was none. */
    private boolean unique(Located<String> value, String setting, String what, Map<String, String> seen, String at) {
        if (value == null || value.value() == null) {
            return true;
        }
        String other = seen.putIfAbsent(value.value().trim(), at);
        if (other == null) {
            return true;
        }
        problems.problem(value, setting, "'" + value.value() + "' is already the " + what + " of " + other
                + "; each broker has its own " + what);
        return false;
    }

    /**
     * One broker, or {@code null} after a problem in it (also when it is missing).
     *
     * @param entry where a list entry was written, for its missing settings; {@code null} for the {@code broker}
     *     section, whose missing settings are reported at the file's start
     * @param at the setting path of the broker: {@code broker} or {@code brokers[i]}
     */
    private GatewayConfig.Broker broker(ConfigFile.Broker raw, Located<?> entry, String at) {
        if (raw == null) {
            problems.missing(at);
            return null;
        }
        String id = required(raw.id(), entry, at + ".id", value -> {
            if (!Scrip.isValidBrokerId(value)) {
                throw new IllegalArgumentException("'" + value
                        + "' is not a broker id: use 1 to 32 letters, digits, - or _");
            }
            return value;
        });
        String name = raw.name() == null ? id : problems.text(raw.name(), at + ".name", 200);
        String issuer = required(raw.issuer(), entry, at + ".issuer", value -> {
            url(value, false);
            return value;
        });
        URI jwks = required(raw.jwksUrl(), entry, at + ".jwks-url", value -> url(value, true));
        URI tokenEndpoint = required(raw.tokenEndpoint(), entry, at + ".token-endpoint", value -> url(value, false));
        Duration refresh = problems.optional(raw.keyRefresh(), at + ".key-refresh", between("10s", "24h"),
                Duration.ofMinutes(5));
        Duration refetch = problems.optional(raw.unknownKidRefetch(), at + ".unknown-kid-refetch",
                between("1s", "1h"), Duration.ofSeconds(30));
        Duration maxStale = problems.optional(raw.maxStale(), at + ".max-stale", between("1m", "30d"),
                Duration.ofHours(24));
        Duration skew = problems.optional(raw.clockSkew(), at + ".clock-skew", between("0s", "5m"),
                Duration.ofSeconds(30));
        if (refresh != null && maxStale != null && maxStale.compareTo(refresh.multipliedBy(2)) < 0) {
            boolean staleGiven = raw.maxStale() != null && raw.maxStale().value() != null;
            problems.problem(staleGiven ? raw.maxStale() : raw.keyRefresh(), at + (staleGiven ? ".max-stale"
                    : ".key-refresh"), "max-stale (" + Durations.format(maxStale) + ") must be at least twice "
                    + "key-refresh (" + Durations.format(refresh) + "): cached keys must outlive a failed refresh, "
                    + "or payments fail between refreshes and a scrip verified just before its keys went stale is "
                    + "accepted for up to key-refresh more; make max-stale " + Durations.format(refresh.multipliedBy(2))
                    + " or more, or key-refresh shorter");
        }
        URI payUri = endpoint(raw.payUrl(), at + ".pay-url", issuer, "/pay", BrokerValidator::payUrl);
        Optional<Path> trustFile = problems.optional(raw.trustFile(), at + ".trust-file", value -> {
            Path path = base.resolve(value).normalize();
            TrustFile.certificates(path); // fail at load, with the reason, rather than at the first HTTPS call
            return Optional.of(path);
        }, Optional.empty());
        // PROTOCOL.md sections 6, 10 and 7: settlement, cancelling scrip and online charges
        URI redemption = endpoint(raw.redemptionUrl(), at + ".redemption-url", issuer, "/v1/redemptions", null);
        URI cancel = endpoint(raw.cancelUrl(), at + ".cancel-url", issuer, "/v1/scrip/cancel", null);
        URI charge = endpoint(raw.chargeUrl(), at + ".charge-url", issuer, "/v1/charges", null);
        if (id == null || name == null || issuer == null || jwks == null || tokenEndpoint == null || refresh == null
                || refetch == null || maxStale == null || skew == null || payUri == null || trustFile == null
                || redemption == null || cancel == null || charge == null) {
            return null;
        }
        return new GatewayConfig.Broker(id, name, issuer, jwks, tokenEndpoint, refresh, refetch, maxStale, skew,
                payUri, trustFile, redemption, cancel, charge);
    }

    /** The converted value; a problem if it is absent, at the list entry if there is one, else at the file's start. */
    private <T> T required(Located<String> value, Located<?> entry, String setting, Function<String, T> convert) {
        if (entry != null && (value == null || value.value() == null)) {
            problems.problem(entry, setting, "missing");
            return null;
        }
        return problems.required(value, setting, convert);
    }

    /**
     * A broker endpoint: the setting if given, else {@code path} under the broker's issuer; {@code null} if neither
     * is (the problem is already recorded).
     *
     * @param convert checks a URL given; {@code null} for an HTTPS URL (plain HTTP on loopback)
     */
    private URI endpoint(Located<String> raw, String setting, String issuer, String path,
                         Function<String, URI> convert) {
        if (raw != null && raw.value() != null) {
            return problems.setting(raw, setting, convert != null ? convert : value -> url(value, true));
        }
        if (issuer == null) {
            return null;
        }
        String base = issuer.trim();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
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
