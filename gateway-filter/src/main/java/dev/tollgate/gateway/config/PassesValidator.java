package dev.tollgate.gateway.config;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.route.PathPattern;
import dev.tollgate.protocol.Money;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code passes} section and what rules say of it ({@code access}, {@code passes}): each pass's id, title, price,
 * duration and covers; each rule's access window; and that a rule sells only passes that exist and cover it. Problems
 * go to the file's {@link ConfigProblems}; a {@code null} result means the setting was wrong.
 */
final class PassesValidator {

    /** The most passes a config defines: each is an {@code accepts} entry in the 402 of every rule selling it. */
    static final int MAX_PASSES = 16;
    /** The shortest and longest access window or pass. */
    /** The methods a rule with an access window may match: reads, which a window may open. */
    private static final Set<String> READS = Set.of("GET", "HEAD");
    static final String MIN_DURATION = "1m";
    static final String MAX_DURATION = "366d";

    private final ConfigProblems problems;
    private final Map<String, Pass> passes = new LinkedHashMap<>();
    private final Map<String, List<PathPattern>> covers = new LinkedHashMap<>();
    /** Every id written, a pass with a problem's too: a second one is named as the duplicate it is. */
    private final Set<String> ids = new HashSet<>();

    PassesValidator(ConfigProblems problems) {
        this.problems = problems;
    }

    /** Reads the {@code passes} section; a pass with a problem is left out (the problem is recorded). */
    void passes(Located<List<Located<ConfigFile.Pass>>> raw, Currency currency) {
        if (raw == null || raw.value() == null || currency == null) {
            return;
        }
        if (raw.value().size() > MAX_PASSES) {
            problems.problem(raw, "passes", "more than " + MAX_PASSES + " passes");
            return;
        }
        for (int i = 0; i < raw.value().size(); i++) {
            Located<ConfigFile.Pass> entry = raw.value().get(i);
            String at = "passes[" + i + "]";
            ConfigFile.Pass pass = entry.value();
            if (pass == null) {
                problems.problem(entry, at, "empty pass");
                continue;
            }
            String id = problems.required(pass.id(), at + ".id", value -> {
                if (!PriceRule.ID.matcher(value).matches()) {
                    throw new IllegalArgumentException("'" + value + "' is not an id: use 1 to 64 letters, digits, "
                            + "'.', '_' or '-', starting with a letter or digit");
                }
                if (!ids.add(value)) {
                    throw new IllegalArgumentException("'" + value + "' is already the id of another pass");
                }
                return value;
            });
            String title = pass.title() == null ? id : problems.text(pass.title(), at + ".title", 100);
            Money price = problems.required(pass.price(), at + ".price", text -> SettingValues.positivePrice(text,
                    currency, "a pass's price must be above 0"));
            Duration duration = problems.required(pass.duration(), at + ".duration",
                    SettingValues.between(MIN_DURATION, MAX_DURATION));
            List<PathPattern> globs = null;
            if (pass.covers() == null || pass.covers().value() == null) {
                problems.problem(entry, at + ".covers", "missing (the globs of the rules it opens, as in "
                        + "[\"/articles/**\"])");
            } else {
                globs = problems.setting(pass.covers(), at + ".covers", PassesValidator::globs);
            }
            if (id == null || title == null || price == null || duration == null || globs == null) {
                continue;
            }
            passes.put(id, new Pass(id, title, price, duration, globs.stream().map(PathPattern::toString).toList()));
            covers.put(id, globs);
        }
    }

    private static List<PathPattern> globs(List<String> values) {
        List<PathPattern> globs = new ArrayList<>();
        for (String glob : values) {
            globs.add(PathPattern.compile(glob == null ? "" : glob));
        }
        if (globs.isEmpty()) {
            throw new IllegalArgumentException("empty list; a pass covers at least one glob, as in [\"/articles/**\"]");
        }
        return globs;
    }

    /** A rule's {@code access} window: only on a per-click rule, 1m to 366d; empty when not set. */
    Optional<Duration> access(ConfigFile.Rule rule, ChargeModel charge, String at) {
        if (rule.access() == null || rule.access().value() == null) {
            return Optional.empty();
        }
        if (charge != ChargeModel.PER_CLICK) {
            problems.problem(rule.access(), at + ".access", "only a per-click rule has an access window; a "
                    + charge.configName() + " rule does not" + (charge == ChargeModel.PER_STREAM
                    ? " (its window does that)" : ""));
            return null;
        }
        // A window is keyed by the path alone: it opens the item to every rule and method that looks for it.
        if (rule.priceFunction() != null && rule.priceFunction().value() != null) {
            problems.problem(rule.access(), at + ".access", "a rule with a price-function has no access window: the "
                    + "window opens the path whatever price bought it (leave out access or price-function)");
            return null;
        }
        if (rule.methods() != null && rule.methods().value() != null && rule.methods().value().stream()
                .anyMatch(method -> method != null && !READS.contains(method.trim().toUpperCase(Locale.ROOT)))) {
            problems.problem(rule.access(), at + ".access", "only a rule for GET and HEAD has an access window: the "
                    + "window opens the path to every method (leave out access, or the other methods)");
            return null;
        }
        Duration access = problems.setting(rule.access(), at + ".access",
                SettingValues.between(MIN_DURATION, MAX_DURATION));
        return access == null ? null : Optional.of(access);
    }

    /**
     * The passes a rule sells ({@code passes: [ids]}): only on a per-click rule, each a pass of the config whose
     * {@code covers} holds the rule's whole match, so no pass is sold or honoured on a rule it does not name.
     */
    List<Pass> sold(ConfigFile.Rule rule, ChargeModel charge, PathPattern match, Money price, String at) {
        if (rule.passes() == null || rule.passes().value() == null) {
            return List.of();
        }
        if (charge != ChargeModel.PER_CLICK) {
            problems.problem(rule.passes(), at + ".passes", "only a per-click rule sells passes");
            return null;
        }
        return problems.setting(rule.passes(), at + ".passes", ids -> {
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("empty list; leave passes out to sell none");
            }
            List<Pass> sold = new ArrayList<>();
            for (String id : ids) {
                Pass pass = passes.get(id);
                if (pass == null) {
                    throw new IllegalArgumentException("'" + id + "' is not the id of a pass of this config"
                            + (passes.isEmpty() ? " (it has no passes: section)" : " (" + String.join(", ",
                            passes.keySet()) + ")"));
                }
                if (sold.contains(pass)) {
                    throw new IllegalArgumentException("'" + id + "' is listed twice");
                }
                if (match != null && covers.get(id).stream().noneMatch(match::coveredBy)) {
                    throw new IllegalArgumentException("pass '" + id + "' covers " + pass.covers() + ", which does "
                            + "not hold this rule's match '" + match + "'; widen its covers or do not sell it here");
                }
                if (price != null && pass.price().micros() <= price.micros()) {
                    throw new IllegalArgumentException("pass '" + id + "' costs " + pass.price() + ", no more than "
                            + "one item here (" + price + "): nobody would buy the item; raise the pass's price");
                }
                sold.add(pass);
            }
            return sold;
        });
    }

    /**
     * The rules that sell one pass accept the same brokers. A pass opens every rule that sells it, but scrip of a broker
     * a rule does not accept is refused there before any pass is looked up: a pass bought at a broker one of its rules
     * refuses would be paid in full and open only part of what it names.
     *
     * @param rules the valid rules, in order; {@code entries} says where each was written
     * @param brokers the config's brokers ({@code null} after a problem in them: nothing to compare)
     */
    void checkBrokersAgree(List<PriceRule> rules, List<Located<ConfigFile.Rule>> entries,
                           List<GatewayConfig.Broker> brokers) {
        if (brokers == null) {
            return;
        }
        Map<String, Integer> firstSeller = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            for (Pass pass : rules.get(i).passes()) {
                Integer first = firstSeller.putIfAbsent(pass.id(), i);
                if (first != null && !accepted(rules.get(first), brokers).equals(accepted(rules.get(i), brokers))) {
                    problems.problem(entries.get(i), "rules[" + i + "].brokers", "sells pass '" + pass.id()
                            + "' but accepts " + accepted(rules.get(i), brokers) + " where " + rules.get(first).match()
                            + ", which sells it too, accepts " + accepted(rules.get(first), brokers) + ": a pass "
                            + "bought at a broker one of its rules refuses would open only part of what it names; "
                            + "give the rules that sell it the same brokers");
                }
            }
        }
    }

    /** The ids of the brokers a rule accepts: its {@code brokers}, or every broker of the config when it names none. */
    private static Set<String> accepted(PriceRule rule, List<GatewayConfig.Broker> brokers) {
        Set<String> ids = new TreeSet<>();
        for (GatewayConfig.Broker broker : brokers) {
            if (rule.acceptsBroker(broker.id())) {
                ids.add(broker.id());
            }
        }
        return ids;
    }
}
