package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.TrustFile;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.Scrip;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks every value of a {@link ConfigFile} and builds the {@link GatewayConfig}. Collects all problems rather
 * than stopping at the first; {@link #validate} returns {@code null} when there are any.
 */
final class ConfigValidator {

    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");
    private static final int MAX_ID_LENGTH = 128;

    private final String file;
    private final Path base;
    private final List<String> problems = new ArrayList<>();
    /** Where each rule of the result was written, in the same order, for checks of the whole config. */
    private final List<Located<ConfigFile.Rule>> ruleEntries = new ArrayList<>();

    ConfigValidator(String file, Path base) {
        this.file = file;
        this.base = base;
    }

    List<String> problems() {
        return problems;
    }

    /** Records a problem with a setting written at {@code where}. */
    void problem(Located<?> where, String setting, String message) {
        problems.add(file + ":" + where.where() + ": " + setting + ": " + message);
    }

    GatewayConfig validate(ConfigFile raw, Path source) {
        ConfigFile.Seller seller = raw.seller();
        String sellerId = null;
        String sellerName = null;
        Optional<URI> origin = Optional.empty();
        if (seller == null) {
            missing("seller");
        } else {
            sellerId = identifier(seller.id(), "seller.id");
            sellerName = seller.name() == null ? sellerId : text(seller.name(), "seller.name", 200);
            origin = optional(seller.origin(), "seller.origin", value -> Optional.of(origin(value)), origin);
        }
        Currency currency = required(raw.currency(), "currency", this::currency);
        GatewayConfig.Broker broker = broker(raw.broker());
        Path dataDir = optional(raw.dataDir(), "data-dir", this::path, base.resolve("data"));
        ConfigFile.Ledger ledger = raw.ledger();
        Path ledgerFile = dataDir == null ? null : dataDir.resolve("ledger.db");
        GatewayConfig.Durability durability = GatewayConfig.Durability.PROCESS_CRASH_SAFE;
        Long maxBacklog = SqliteLedger.Limits.DEFAULTS.maxBacklogBytes();
        Long diskReserve = SqliteLedger.Limits.DEFAULTS.diskReserveBytes();
        if (ledger != null) {
            optional(ledger.type(), "ledger.type", type -> {
                if (!type.equals("sqlite")) {
                    throw new IllegalArgumentException("'" + type + "' is not a ledger type; this build has: sqlite");
                }
                return type;
            }, "sqlite");
            if (dataDir != null) {
                ledgerFile = optional(ledger.file(), "ledger.file", name -> dataDir.resolve(name).normalize(),
                        ledgerFile);
            }
            durability = optional(ledger.durability(), "ledger.durability", this::durability, durability);
            maxBacklog = optional(ledger.maxBacklog(), "ledger.max-backlog", bytesBetween(
                    SqliteLedger.Limits.MIN_BACKLOG_BYTES, SqliteLedger.Limits.MAX_BACKLOG_BYTES), maxBacklog);
            diskReserve = optional(ledger.diskReserve(), "ledger.disk-reserve", bytesBetween(
                    SqliteLedger.Limits.MIN_DISK_RESERVE_BYTES, SqliteLedger.Limits.MAX_DISK_RESERVE_BYTES),
                    diskReserve);
        }
        Integer maxTimeout = optional(raw.maxTimeout(), "max-timeout", text -> {
            Duration duration = Durations.parse(text);
            if (duration.isNegative() || duration.isZero() || duration.toSeconds() > 3600) {
                throw new IllegalArgumentException("'" + text + "' must be between 1s and 1h");
            }
            return (int) duration.toSeconds();
        }, 60);
        GatewayConfig.Settlement settlement = settlement(raw.broker(), broker, raw.settlement());
        GatewayConfig.Online online = online(raw, broker, currency);
        Money onlineAbove = online == null ? null : online.onlineAbove().orElse(null);
        GatewayConfig.PayWord payword = payword(raw.payword());
        List<PriceRule> rules = currency == null ? List.of() : rules(raw.rules(), currency, onlineAbove);
        GatewayConfig.ClientLimits clientLimits = clientLimits(raw.failedPayments(), raw.clientAddressHeader());
        if (!problems.isEmpty()) {
            return null;
        }
        GatewayConfig config = new GatewayConfig(source.toAbsolutePath(), sellerId, sellerName, origin, broker,
                currency, dataDir, ledgerFile, durability, new SqliteLedger.Limits(maxBacklog, diskReserve),
                maxTimeout, settlement, online, payword, rules, clientLimits);
        checkOfferSizes(config);
        return problems.isEmpty() ? config : null;
    }

    /**
     * Every priced rule's 402 must fit a container's response headers whatever the request: its offer is bounded by
     * what the config writes into it (names, description, URLs), which only the config can shorten.
     */
    private void checkOfferSizes(GatewayConfig config) {
        for (int i = 0; i < config.rules().size(); i++) {
            PriceRule rule = config.rules().get(i);
            if (rule.charge() == ChargeModel.FREE) {
                continue;
            }
            int largest = Offers.largestHeader(config, rule);
            if (largest > Offers.MAX_HEADER_CHARS) {
                problem(ruleEntries.get(i), "rules[" + i + "]", "its 402's PAYMENT-REQUIRED header could take "
                        + largest + " characters, more than the " + Offers.MAX_HEADER_CHARS + " that leave room "
                        + "for other headers in a container's default 8 KiB; shorten its description or mime-type, "
                        + "seller.name, seller.id, broker.name, broker.issuer or broker.token-endpoint");
            }
        }
    }

    /** A size like {@code 64MiB}, from {@code low} to {@code high} bytes. */
    private static Function<String, Long> bytesBetween(long low, long high) {
        return text -> {
            long bytes = ByteSizes.parse(text);
            if (bytes < low || bytes > high) {
                throw new IllegalArgumentException("'" + text + "' must be between " + ByteSizes.format(low) + " and "
                        + ByteSizes.format(high));
            }
            return bytes;
        };
    }

    /** PROTOCOL.md section 8: the limits that bound what one PayWord chain and one payment can cost to check. */
    private GatewayConfig.PayWord payword(ConfigFile.PayWord raw) {
        GatewayConfig.PayWord defaults = GatewayConfig.PayWord.DEFAULTS;
        if (raw == null) {
            return defaults;
        }
        Integer length = optional(raw.maxChainLength(), "payword.max-chain-length",
                text -> wholeNumber(text, 1, GatewayConfig.PayWord.MAX_CHAIN_LENGTH), defaults.maxChainLength());
        if (length == null) {
            return null;
        }
        int maxLength = length;
        Integer step = optional(raw.maxStep(), "payword.max-step", text -> wholeNumber(text, 1, maxLength),
                Math.min(defaults.maxStep(), maxLength));
        return step == null ? null : new GatewayConfig.PayWord(length, step);
    }

    private static int wholeNumber(String text, int low, int high) {
        int value;
        try {
            value = Integer.parseInt(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (value < low || value > high) {
            throw new IllegalArgumentException("'" + text + "' must be between " + low + " and " + high);
        }
        return value;
    }

    /** The limit on failed verifications per client address, and where a reverse proxy puts that address. */
    private GatewayConfig.ClientLimits clientLimits(ConfigFile.FailedPayments raw, Located<String> header) {
        GatewayConfig.ClientLimits defaults = GatewayConfig.ClientLimits.DEFAULTS;
        Integer burst = defaults.failureBurst();
        Integer perMinute = defaults.failuresPerMinute();
        Integer clients = defaults.clients();
        if (raw != null) {
            burst = optional(raw.burst(), "failed-payments.burst", text -> wholeNumber(text, 1, 10_000), burst);
            perMinute = optional(raw.perMinute(), "failed-payments.per-minute", text -> wholeNumber(text, 1, 60_000),
                    perMinute);
            clients = optional(raw.clients(), "failed-payments.clients", text -> wholeNumber(text, 1_000,
                    10_000_000), clients);
        }
        Optional<String> addressHeader = optional(header, "client-address-header", name -> {
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

    /** PROTOCOL.md section 7: where and how fast the broker confirms online charges. */
    private GatewayConfig.Online online(ConfigFile raw, GatewayConfig.Broker broker, Currency currency) {
        ConfigFile.Broker rawBroker = raw.broker();
        URI chargeUri = brokerUrl(rawBroker == null ? null : rawBroker.chargeUrl(), "broker.charge-url", broker,
                "/v1/charges");
        Duration timeout = optional(raw.onlineTimeout(), "online-timeout", between("100ms", "10s"),
                Duration.ofSeconds(2));
        Optional<Money> above = Optional.empty();
        if (raw.onlineAbove() != null && raw.onlineAbove().value() != null) {
            if (currency == null) {
                return null;
            }
            Money money = setting(raw.onlineAbove(), "online-above", text -> positivePrice(text, currency,
                    "online-above must be above 0; leave it out to decide per rule with confirm: online"));
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

    /** A broker endpoint: the setting if given, else {@code path} under the broker's issuer; null if neither is. */
    private URI brokerUrl(Located<String> raw, String name, GatewayConfig.Broker broker, String path) {
        if (raw != null && raw.value() != null) {
            return setting(raw, name, value -> url(value, true));
        }
        if (broker == null || broker.issuer() == null) {
            return null;
        }
        String issuer = broker.issuer().trim();
        return URI.create((issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer) + path);
    }

    private static Money positivePrice(String text, Currency currency, String whenZero) {
        Money money = Money.parse(text, currency);
        if (!money.currency().equals(currency)) {
            throw new IllegalArgumentException("'" + text + "' is in " + money.currency().getCurrencyCode()
                    + " but this gateway charges in " + currency.getCurrencyCode());
        }
        if (money.isZero()) {
            throw new IllegalArgumentException(whenZero);
        }
        return money;
    }

    private GatewayConfig.Settlement settlement(ConfigFile.Broker rawBroker, GatewayConfig.Broker broker,
                                                ConfigFile.Settlement raw) {
        URI redemption = brokerUrl(rawBroker == null ? null : rawBroker.redemptionUrl(), "broker.redemption-url",
                broker, "/v1/redemptions");
        URI cancel = brokerUrl(rawBroker == null ? null : rawBroker.cancelUrl(), "broker.cancel-url", broker,
                "/v1/scrip/cancel");
        Duration interval = Duration.ofSeconds(60);
        Integer batchSize = 500;
        Duration maxBackoff = Duration.ofMinutes(5);
        Duration refundWindow = GatewayConfig.Settlement.DEFAULT_REFUND_WINDOW;
        if (raw != null) {
            interval = optional(raw.interval(), "settlement.interval", between("1s", "1h"), interval);
            batchSize = optional(raw.batchSize(), "settlement.batch-size", ConfigValidator::batchSize, batchSize);
            maxBackoff = optional(raw.maxBackoff(), "settlement.max-backoff", between("1s", "1h"), maxBackoff);
            refundWindow = optional(raw.refundWindow(), "settlement.refund-window", between("1s", "10m"),
                    refundWindow);
        }
        if (redemption == null || cancel == null || interval == null || batchSize == null || maxBackoff == null
                || refundWindow == null) {
            return null;
        }
        return new GatewayConfig.Settlement(redemption, cancel, interval, batchSize, maxBackoff, refundWindow);
    }

    /** PROTOCOL.md section 6: a batch carries 1 to 1000 claims. */
    private static Integer batchSize(String text) {
        int size;
        try {
            size = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (size < 1 || size > 1000) {
            throw new IllegalArgumentException("'" + text + "' must be between 1 and 1000");
        }
        return size;
    }

    private GatewayConfig.Broker broker(ConfigFile.Broker raw) {
        if (raw == null) {
            missing("broker");
            return null;
        }
        String id = required(raw.id(), "broker.id", value -> {
            if (!Scrip.isValidBrokerId(value)) {
                throw new IllegalArgumentException("'" + value
                        + "' is not a broker id: use 1 to 32 letters, digits, - or _");
            }
            return value;
        });
        String name = raw.name() == null ? id : text(raw.name(), "broker.name", 200);
        String issuer = required(raw.issuer(), "broker.issuer", value -> {
            url(value, false);
            return value;
        });
        URI jwks = required(raw.jwksUrl(), "broker.jwks-url", value -> url(value, true));
        URI tokenEndpoint = required(raw.tokenEndpoint(), "broker.token-endpoint", value -> url(value, false));
        Duration refresh = optional(raw.keyRefresh(), "broker.key-refresh", between("10s", "24h"),
                Duration.ofMinutes(5));
        Duration refetch = optional(raw.unknownKidRefetch(), "broker.unknown-kid-refetch", between("1s", "1h"),
                Duration.ofSeconds(30));
        Duration maxStale = optional(raw.maxStale(), "broker.max-stale", between("1m", "30d"), Duration.ofHours(24));
        Duration skew = optional(raw.clockSkew(), "broker.clock-skew", between("0s", "5m"), Duration.ofSeconds(30));
        if (refresh != null && maxStale != null && maxStale.compareTo(refresh.multipliedBy(2)) < 0) {
            boolean staleGiven = raw.maxStale() != null && raw.maxStale().value() != null;
            problem(staleGiven ? raw.maxStale() : raw.keyRefresh(), staleGiven ? "broker.max-stale"
                    : "broker.key-refresh", "max-stale (" + Durations.format(maxStale) + ") must be at least twice "
                    + "key-refresh (" + Durations.format(refresh) + "): cached keys must outlive a failed refresh, "
                    + "or payments fail between refreshes and a scrip verified just before its keys went stale is "
                    + "accepted for up to key-refresh more; make max-stale " + Durations.format(refresh.multipliedBy(2))
                    + " or more, or key-refresh shorter");
        }
        URI payUri = issuer == null ? null : optional(raw.payUrl(), "broker.pay-url", ConfigValidator::payUrl,
                URI.create(withoutTrailingSlash(issuer.trim()) + "/pay"));
        Optional<Path> trustFile = optional(raw.trustFile(), "broker.trust-file", value -> {
            Path path = path(value);
            TrustFile.certificates(path); // fail at load, with the reason, rather than at the first HTTPS call
            return Optional.of(path);
        }, Optional.empty());
        return new GatewayConfig.Broker(id, name, issuer, jwks, tokenEndpoint, refresh, refetch, maxStale, skew,
                payUri, trustFile);
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

    /** An origin is scheme, host and optional port: the broker returns buyers to {@code <origin>/.tollgate/callback}. */
    private static URI origin(String value) {
        URI uri = url(value, true);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!(path.isEmpty() || path.equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + value + "' is not an origin: write only scheme, host and port, "
                    + "like https://shop.example or https://localhost:8443");
        }
        return URI.create(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority());
    }

    private List<PriceRule> rules(Located<List<Located<ConfigFile.Rule>>> raw, Currency currency, Money onlineAbove) {
        if (raw == null || raw.value() == null) {
            return List.of();
        }
        List<PriceRule> rules = new ArrayList<>();
        List<PathPattern> patterns = new ArrayList<>();
        Map<String, String> ids = new HashMap<>();
        Map<String, String> entitlementKeys = new HashMap<>();
        List<Located<ConfigFile.Rule>> entries = raw.value();
        for (int i = 0; i < entries.size(); i++) {
            Located<ConfigFile.Rule> entry = entries.get(i);
            String at = "rules[" + i + "]";
            ConfigFile.Rule rule = entry.value();
            if (rule == null) {
                problems.add(file + ":" + entry.where() + ": " + at + ": empty rule");
                continue;
            }
            if (rule.match() == null) {
                problems.add(file + ":" + entry.where() + ": " + at + ".match: missing");
                continue;
            }
            PathPattern pattern = setting(rule.match(), at + ".match", PathPattern::compile);
            Optional<String> id = optional(rule.id(), at + ".id", value -> ruleId(value, at, ids), Optional.empty());
            Set<String> methods = optional(rule.methods(), at + ".methods", ConfigValidator::methods, Set.of());
            ChargeModel charge = optional(rule.charge(), at + ".charge", value -> ChargeModel.fromConfigName(value)
                    .orElseThrow(() -> new IllegalArgumentException("'" + value
                            + "' is not a charge model; use per-click, per-stream, metered or free")),
                    ChargeModel.PER_CLICK);
            Money price = charge == null ? null : price(rule, at, charge, currency, entry);
            Boolean confirmOnline = optional(rule.confirm(), at + ".confirm", ConfigValidator::confirm, false);
            if (Boolean.TRUE.equals(confirmOnline) && charge != ChargeModel.PER_CLICK && charge != null) {
                problems.add(file + ":" + rule.confirm().where() + ": " + at + ".confirm: only a per-click rule is "
                        + "confirmed online; a " + charge.configName() + " rule is not");
                continue;
            }
            String description = rule.description() == null ? "" : text(rule.description(), at + ".description", 500);
            Optional<String> mimeType = rule.mimeType() == null ? Optional.empty()
                    : Optional.ofNullable(text(rule.mimeType(), at + ".mime-type", 100));
            if (charge == null) {
                continue;
            }
            StreamSettings model = new StreamSettings(this, entry, at);
            Set<String> schemes = model.schemes(rule, charge);
            Optional<Duration> window = model.window(rule, charge);
            Optional<String> stream = model.stream(rule, charge, pattern);
            long unitBytes = model.unit(rule, charge);
            if (pattern == null || methods == null || price == null || description == null
                    || confirmOnline == null || schemes == null || window == null || stream == null
                    || unitBytes < 0 || id == null) {
                continue;
            }
            checkReachable(pattern, methods, rule.match(), at, rules, patterns);
            boolean online = charge == ChargeModel.PER_CLICK && (confirmOnline
                    || (onlineAbove != null && price.micros() >= onlineAbove.micros()));
            PriceRule built = new PriceRule(pattern.toString(), methods, price, charge, description, mimeType, online,
                    schemes, window, stream, unitBytes, id);
            if (charge == ChargeModel.PER_STREAM) {
                String seller = entitlementKeys.putIfAbsent(built.entitlementKey(), at);
                if (seller != null) {
                    problem(entry, at, "keeps its entitlements under the same name as " + seller + " ('"
                            + built.entitlementKey() + "', its " + (id.isPresent() ? "id" : stream.isPresent()
                            ? "stream pattern" : "match") + "), so each would cover the other's streams; give "
                            + "each rule an id");
                }
            }
            rules.add(built);
            patterns.add(pattern);
            ruleEntries.add(entry);
        }
        return rules;
    }

    private Money price(ConfigFile.Rule rule, String at, ChargeModel charge, Currency currency,
                        Located<ConfigFile.Rule> entry) {
        if (charge == ChargeModel.FREE) {
            Money price = optional(rule.price(), at + ".price", text -> Money.parse(text, currency),
                    Money.ofMicros(0, currency));
            if (price != null && !price.isZero()) {
                problems.add(file + ":" + rule.price().where() + ": " + at
                        + ".price: a free rule cannot have a price; remove it or use charge: per-click");
            }
            return price;
        }
        if (rule.price() == null) {
            problems.add(file + ":" + entry.where() + ": " + at + ".price: missing (a " + charge.configName()
                    + " rule needs a price" + (charge == ChargeModel.METERED ? " per unit" : "") + ")");
            return null;
        }
        return setting(rule.price(), at + ".price", text -> positivePrice(text, currency,
                "a " + charge.configName() + " price must be above 0; use charge: free"));
    }

    private void checkReachable(PathPattern pattern, Set<String> methods, Located<String> match, String at,
                                List<PriceRule> earlierRules, List<PathPattern> earlierPatterns) {
        for (int j = 0; j < earlierPatterns.size(); j++) {
            PriceRule earlier = earlierRules.get(j);
            boolean methodsCovered = earlier.methods().isEmpty() || (!methods.isEmpty()
                    && methods.stream().allMatch(earlier::appliesTo)); // a rule for GET covers HEAD too
            if (!methodsCovered || !pattern.coveredBy(earlierPatterns.get(j))) {
                continue;
            }
            boolean duplicate = earlier.match().equals(pattern.toString()) && earlier.methods().equals(methods);
            problems.add(file + ":" + match.where() + ": " + at + ".match: '" + pattern + "' "
                    + (duplicate ? "duplicates" : "can never match: it is covered by") + " rules[" + j + "] ('"
                    + earlier.match() + "'), and the first matching rule wins");
            return;
        }
    }

    /** A rule's {@code id}: a token no other rule has. */
    private static Optional<String> ruleId(String value, String at, Map<String, String> ids) {
        if (!PriceRule.ID.matcher(value).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not an id: use 1 to 64 letters, digits, '.', '_' "
                    + "or '-', starting with a letter or digit");
        }
        String other = ids.putIfAbsent(value, at);
        if (other != null) {
            throw new IllegalArgumentException("'" + value + "' is already the id of " + other);
        }
        return Optional.of(value);
    }

    /** {@code online} or {@code offline}: whether the broker confirms each charge before the content is served. */
    private static Boolean confirm(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "online":
                return true;
            case "offline":
                return false;
            default:
                throw new IllegalArgumentException("'" + value + "' is not online or offline");
        }
    }

    private static Set<String> methods(List<String> values) {
        Set<String> methods = new LinkedHashSet<>();
        for (String value : values) {
            String method = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
            if (!METHODS.contains(method)) {
                throw new IllegalArgumentException("'" + value + "' is not an HTTP method");
            }
            if (method.equals("OPTIONS")) {
                throw new IllegalArgumentException("OPTIONS is never charged: CORS preflights must pass");
            }
            methods.add(method);
        }
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("empty list; leave methods out to match every method");
        }
        return methods;
    }

    private Currency currency(String code) {
        try {
            return Currency.getInstance(code.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + code + "' is not an ISO 4217 currency code");
        }
    }

    private GatewayConfig.Durability durability(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "power-cut-safe":
                return GatewayConfig.Durability.POWER_CUT_SAFE;
            case "process-crash-safe":
                return GatewayConfig.Durability.PROCESS_CRASH_SAFE;
            default:
                throw new IllegalArgumentException("'" + value + "' is not power-cut-safe or process-crash-safe");
        }
    }

    private Path path(String value) {
        return base.resolve(value).normalize();
    }

    static Function<String, Duration> between(String low, String high) {
        Duration min = Durations.parse(low);
        Duration max = Durations.parse(high);
        return text -> {
            Duration duration = Durations.parse(text);
            if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
                throw new IllegalArgumentException("'" + text + "' must be between " + low + " and " + high);
            }
            return duration;
        };
    }

    /** Brokers are reached over HTTPS; plain HTTP only on loopback, for tests and the local demo. */
    static URI url(String value, boolean mustBeFetchable) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + value + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("'" + value + "' is not an http(s) URL with a host");
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("'" + value + "' must use https (plain http is allowed on loopback only)");
        }
        if (mustBeFetchable && uri.getUserInfo() != null) {
            throw new IllegalArgumentException("'" + value + "' must not carry credentials");
        }
        return uri;
    }

    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!bare.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private String identifier(Located<String> value, String setting) {
        if (value == null) {
            missing(setting);
            return null;
        }
        return setting(value, setting, text -> {
            if (text.isBlank() || text.length() > MAX_ID_LENGTH || !text.equals(text.trim())) {
                throw new IllegalArgumentException("'" + text + "' must be 1 to " + MAX_ID_LENGTH
                        + " characters without surrounding spaces");
            }
            return text;
        });
    }

    private String text(Located<String> value, String setting, int maxLength) {
        return setting(value, setting, text -> {
            if (text.length() > maxLength) {
                throw new IllegalArgumentException("longer than " + maxLength + " characters");
            }
            return text;
        });
    }

    private <T> T required(Located<String> value, String setting, Function<String, T> convert) {
        if (value == null || value.value() == null) {
            missing(setting);
            return null;
        }
        return setting(value, setting, convert);
    }

    <S, T> T optional(Located<S> value, String setting, Function<S, T> convert, T fallback) {
        if (value == null || value.value() == null) {
            return fallback;
        }
        return setting(value, setting, convert);
    }

    <S, T> T setting(Located<S> value, String setting, Function<S, T> convert) {
        try {
            return convert.apply(value.value());
        } catch (IllegalArgumentException e) {
            problems.add(file + ":" + value.where() + ": " + setting + ": " + e.getMessage());
            return null;
        }
    }

    private void missing(String setting) {
        problems.add(file + ":1:1: " + setting + ": missing");
    }
}
