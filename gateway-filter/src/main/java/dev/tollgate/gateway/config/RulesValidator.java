package dev.tollgate.gateway.config;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.FreeAllowance;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceFunction;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.Offers;
import dev.tollgate.gateway.route.PathPattern;
import dev.tollgate.protocol.Money;
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

/**
 * The {@code rules} list: each rule's match, methods, charge model, price and texts ({@link StreamSettings} checks
 * the settings of the stream charge models), then what only the list as a whole shows: rules an earlier one hides,
 * per-stream rules that would share entitlements, and 402 offers too large for a container's response headers.
 * One instance checks one config: it remembers where each accepted rule was written for the last check.
 */
final class RulesValidator {

    private static final Set<String> METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

    private final ConfigProblems problems;
    /** Where each rule of the result was written, in the same order, for checks of the whole config. */
    private final List<Located<ConfigFile.Rule>> ruleEntries = new ArrayList<>();

    private final PassesValidator passes;

    RulesValidator(ConfigProblems problems, PassesValidator passes) {
        this.problems = problems;
        this.passes = passes;
    }

    /**
     * The valid rules, in order; a rule with a problem is left out (the problem is recorded).
     *
     * @param onlineAbove the price from which a per-click rule is confirmed online, or {@code null} for none
     * @param brokers the config's brokers, which a rule's {@code brokers} names; {@code null} after a problem in them
     */
    List<PriceRule> rules(Located<List<Located<ConfigFile.Rule>>> raw, Currency currency,
                          Money onlineAbove, List<GatewayConfig.Broker> brokers) {
        if (raw == null || raw.value() == null) {
            return List.of();
        }
        List<PriceRule> rules = new ArrayList<>();
        List<PathPattern> patterns = new ArrayList<>();
        Map<String, String> ids = new HashMap<>();
        Map<String, String> entitlementKeys = new HashMap<>();
        Map<String, FreeAllowance> pools = new HashMap<>();
        List<Located<ConfigFile.Rule>> entries = raw.value();
        for (int i = 0; i < entries.size(); i++) {
            Located<ConfigFile.Rule> entry = entries.get(i);
            String at = "rules[" + i + "]";
            ConfigFile.Rule rule = entry.value();
            if (rule == null) {
                problems.problem(entry, at, "empty rule");
                continue;
            }
            if (rule.match() == null) {
                problems.problem(entry, at + ".match", "missing");
                continue;
            }
            PathPattern pattern = problems.setting(rule.match(), at + ".match", PathPattern::compile);
            Optional<String> id = problems.optional(rule.id(), at + ".id", value -> ruleId(value, at, ids),
                    Optional.empty());
            Set<String> methods = problems.optional(rule.methods(), at + ".methods", RulesValidator::methods,
                    Set.of());
            ChargeModel charge = problems.optional(rule.charge(), at + ".charge", value -> ChargeModel
                    .fromConfigName(value).orElseThrow(() -> new IllegalArgumentException("'" + value
                            + "' is not a charge model; use per-click, per-stream, metered or free")),
                    ChargeModel.PER_CLICK);
            Money price = charge == null ? null : price(rule, at, charge, currency, entry);
            Boolean confirmOnline = problems.optional(rule.confirm(), at + ".confirm", RulesValidator::confirm,
                    false);
            if (Boolean.TRUE.equals(confirmOnline) && charge != ChargeModel.PER_CLICK && charge != null) {
                problems.problem(rule.confirm(), at + ".confirm", "only a per-click rule is confirmed online; a "
                        + charge.configName() + " rule is not");
                continue;
            }
            String description = rule.description() == null ? ""
                    : problems.text(rule.description(), at + ".description", 500);
            Optional<String> mimeType = rule.mimeType() == null ? Optional.empty()
                    : Optional.ofNullable(problems.text(rule.mimeType(), at + ".mime-type", 100));
            if (charge == null) {
                continue;
            }
            StreamSettings model = new StreamSettings(problems, entry, at);
            Set<String> schemes = model.schemes(rule, charge);
            Optional<Duration> window = model.window(rule, charge);
            Optional<String> stream = model.stream(rule, charge, pattern);
            long unitBytes = model.unit(rule, charge);
            Set<String> accepted = problems.optional(rule.brokers(), at + ".brokers",
                    value -> brokerIds(value, charge, brokers), Set.of());
            Optional<FreeAllowance> free = freeAllowance(rule.free(), at, charge, pools);
            Optional<PriceFunction> priceFunction = problems.optional(rule.priceFunction(), at + ".price-function",
                    name -> priceFunction(name, charge), Optional.empty());
            if (priceFunction != null && priceFunction.isPresent() && schemes != null && schemes.size() > 1) {
                problems.problem(rule.schemes(), at + ".schemes", "a rule with a price-function accepts scrip only: a "
                        + "PayWord word pays a fixed unit, not a price that changes per request");
                continue;
            }
            Optional<Duration> access = passes.access(rule, charge, at);
            List<Pass> sold = passes.sold(rule, charge, pattern, price, at);
            PriceRule.Page page = new PageSettings(problems, at).page(rule, charge);
            if (pattern == null || methods == null || price == null || description == null
                    || confirmOnline == null || schemes == null || window == null || stream == null
                    || unitBytes < 0 || id == null || accepted == null || free == null || priceFunction == null
                    || page == null || access == null || sold == null) {
                continue;
            }
            checkReachable(pattern, methods, rule.match(), at, rules, patterns);
            boolean online = charge == ChargeModel.PER_CLICK && (confirmOnline
                    || (onlineAbove != null && price.micros() >= onlineAbove.micros()));
            PriceRule built = new PriceRule(pattern.toString(), methods, price, charge, description, mimeType, online,
                    schemes, window, stream, unitBytes, id, accepted, free, priceFunction, page, access, sold);
            if (charge == ChargeModel.PER_STREAM) {
                String seller = entitlementKeys.putIfAbsent(built.entitlementKey(), at);
                if (seller != null) {
                    problems.problem(entry, at, "keeps its entitlements under the same name as " + seller + " ('"
                            + built.entitlementKey() + "', its " + (id.isPresent() ? "id" : stream.isPresent()
                            ? "stream pattern" : "match") + "), so each would cover the other's streams; give "
                            + "each rule an id");
                }
            }
            rules.add(built);
            patterns.add(pattern);
            ruleEntries.add(entry);
        }
        passes.checkBrokersAgree(rules, ruleEntries, brokers);
        return rules;
    }

    /**
     * Every priced rule's 402 must fit a container's response headers whatever the request: its offer is bounded by
     * what the config writes into it (names, description, URLs), which only the config can shorten. Called with the
     * config built from the rules {@link #rules} returned.
     */
    void checkOfferSizes(GatewayConfig config) {
        for (int i = 0; i < config.rules().size(); i++) {
            PriceRule rule = config.rules().get(i);
            if (rule.charge() == ChargeModel.FREE) {
                continue;
            }
            int largest = Offers.largestHeader(config, rule);
            if (rule.priceFunction().isPresent()) { // any price up to max-price: the one with the most digits too
                long max = rule.price().micros();
                largest = Math.max(largest, Offers.largestHeader(config, rule.pricedAt(Money.ofMicros(
                        max % 10 != 0 ? max : max - 1, rule.price().currency()))));
            }
            if (largest > Offers.MAX_HEADER_CHARS) {
                boolean several = config.brokers().size() > 1;
                problems.problem(ruleEntries.get(i), "rules[" + i + "]", "its 402's PAYMENT-REQUIRED header could "
                        + "take " + largest + " characters, more than the " + Offers.MAX_HEADER_CHARS + " that leave "
                        + "room for other headers in a container's default 8 KiB; shorten its description or "
                        + "mime-type, seller.name, seller.id, " + (several ? "the brokers' name, issuer or "
                        + "token-endpoint, or accept fewer brokers on it (brokers: [...])"
                        : "broker.name, broker.issuer or broker.token-endpoint"));
            }
        }
    }

    private Money price(ConfigFile.Rule rule, String at, ChargeModel charge, Currency currency,
                        Located<ConfigFile.Rule> entry) {
        if (charge == ChargeModel.FREE) {
            Money price = problems.optional(rule.price(), at + ".price", text -> Money.parse(text, currency),
                    Money.ofMicros(0, currency));
            if (price != null && !price.isZero()) {
                problems.problem(rule.price(), at + ".price",
                        "a free rule cannot have a price; remove it or use charge: per-click");
            }
            return price;
        }
        if (rule.priceFunction() != null) { // its price is the ceiling of the function's
            if (rule.price() != null) {
                problems.problem(rule.price(), at + ".price", "a rule with a price-function has no fixed price; its "
                        + "max-price bounds what the function may ask");
                return null;
            }
            if (rule.maxPrice() == null) {
                problems.problem(rule.priceFunction(), at + ".max-price", "missing (a rule with a price-function "
                        + "needs a max-price, the most the function may ask)");
                return null;
            }
            return problems.setting(rule.maxPrice(), at + ".max-price", text -> SettingValues.positivePrice(text,
                    currency, "a max-price must be above 0"));
        }
        if (rule.maxPrice() != null) {
            problems.problem(rule.maxPrice(), at + ".max-price", "only a rule with a price-function has a max-price");
            return null;
        }
        if (rule.price() == null) {
            problems.problem(entry, at + ".price", "missing (a " + charge.configName() + " rule needs a price"
                    + (charge == ChargeModel.METERED ? " per unit" : "") + ")");
            return null;
        }
        return problems.setting(rule.price(), at + ".price", text -> SettingValues.positivePrice(text, currency,
                "a " + charge.configName() + " price must be above 0; use charge: free"));
    }

    /**
     * A rule's {@code free}: {@code count} and {@code per} required, on a per-click rule only, agreeing with the other
     * rules of its {@code pool}; {@code null} after a problem.
     */
    private Optional<FreeAllowance> freeAllowance(Located<ConfigFile.Free> raw, String at, ChargeModel charge,
                                                  Map<String, FreeAllowance> pools) {
        if (raw == null || raw.value() == null) {
            return Optional.empty();
        }
        if (charge != ChargeModel.PER_CLICK) {
            problems.problem(raw, at + ".free", "only a per-click rule has a free allowance; a "
                    + (charge == null ? "" : charge.configName() + " ") + "rule does not");
            return null;
        }
        ConfigFile.Free value = raw.value();
        if (value.count() == null || value.count().value() == null || value.per() == null
                || value.per().value() == null) {
            problems.problem(raw, at + ".free", "needs both count and per, like {count: 3, per: 30d}");
            return null;
        }
        Integer count = problems.setting(value.count(), at + ".free.count",
                text -> SettingValues.wholeNumber(text, 1, FreeAllowance.MAX_COUNT));
        Duration per = problems.setting(value.per(), at + ".free.per", SettingValues.between("1m", "366d"));
        Optional<String> pool = problems.optional(value.pool(), at + ".free.pool", name -> {
            if (!PriceRule.ID.matcher(name).matches()) {
                throw new IllegalArgumentException("'" + name + "' is not a pool name: use 1 to 64 letters, digits, "
                        + "'.', '_' or '-', starting with a letter or digit");
            }
            return Optional.of(name);
        }, Optional.empty());
        if (count == null || per == null || pool == null) {
            return null;
        }
        FreeAllowance free = new FreeAllowance(count, per, pool);
        if (pool.isPresent()) {
            FreeAllowance other = pools.putIfAbsent(pool.get(), free);
            if (other != null && !other.equals(free)) {
                problems.problem(raw, at + ".free", "pool '" + pool.get() + "' is " + other.count() + " per "
                        + Durations.format(other.per()) + " on an earlier rule: rules sharing a pool share one count, "
                        + "so their count and per must agree");
                return null;
            }
        }
        return Optional.of(free);
    }

    /** A rule's {@code price-function}: on a per-click rule only, a class the web app has. */
    private static Optional<PriceFunction> priceFunction(String name, ChargeModel charge) {
        if (charge != null && charge != ChargeModel.PER_CLICK) {
            throw new IllegalArgumentException("only a per-click rule has a price-function; a " + charge.configName()
                    + " rule does not");
        }
        return Optional.of(PriceFunctions.load(name));
    }

    /** Records the first earlier rule that matches every request this one would, since the first match wins. */
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
            problems.problem(match, at + ".match", "'" + pattern + "' "
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

    /**
     * A rule's {@code brokers}: ids of the config's brokers, each once; {@code brokers} {@code null} (after a problem
     * in them) checks only the list's form.
     */
    private static Set<String> brokerIds(List<String> values, ChargeModel charge, List<GatewayConfig.Broker> brokers) {
        if (charge == ChargeModel.FREE) {
            throw new IllegalArgumentException("a free rule takes no payment; leave brokers out");
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("empty list; leave brokers out to accept every broker");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String value : values) {
            if (brokers != null && brokers.stream().noneMatch(broker -> broker.id().equals(value))) {
                throw new IllegalArgumentException("'" + value + "' is not the id of a broker of this config ("
                        + String.join(", ", brokers.stream().map(GatewayConfig.Broker::id).toList()) + ")");
            }
            if (!ids.add(value)) {
                throw new IllegalArgumentException("'" + value + "' is listed twice");
            }
        }
        return ids;
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
}
