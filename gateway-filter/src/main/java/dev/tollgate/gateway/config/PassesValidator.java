package dev.tollgate.gateway.config;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.route.PathPattern;
import dev.tollgate.protocol.Money;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code passes} section and what rules say of it ({@code access}, {@code passes}): each pass's id, title, price,
 * duration and covers; each rule's access window; and that a rule sells only passes that exist and cover it. Problems
 * go to the file's {@link ConfigProblems}; a {@code null} result means the setting was wrong.
 */
final class PassesValidator {

    /** The most passes a config defines: each is an {@code accepts} entry in the 402 of every rule selling it. */
    static final int MAX_PASSES = 16;
    /** The shortest and longest access window or pass. */
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
}
