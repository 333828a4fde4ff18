package dev.tollgate.gateway.config;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.route.PathPattern;
import dev.tollgate.gateway.route.StreamKeys;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.Scrip;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Checks one rule's settings for the stream charge models and payment schemes ({@code schemes}, {@code window},
 * {@code stream}, {@code unit}): each only where its charge model uses it. Problems go to the file's
 * {@link ConfigProblems}; a {@code null} (or, for the unit, -1) result means the setting was wrong.
 */
final class StreamSettings {

    static final Duration MIN_WINDOW = Duration.ofMinutes(1);
    static final Duration MAX_WINDOW = Duration.ofDays(30);

    private final ConfigProblems problems;
    private final Located<?> entry;
    private final String at;

    StreamSettings(ConfigProblems problems, Located<?> entry, String at) {
        this.problems = problems;
        this.entry = entry;
        this.at = at;
    }

    Set<String> schemes(ConfigFile.Rule rule, ChargeModel charge) {
        if (rule.schemes() == null || rule.schemes().value() == null) {
            return charge == ChargeModel.FREE ? Set.of() : PriceRule.SCRIP_ONLY;
        }
        if (charge == ChargeModel.FREE) {
            problems.problem(rule.schemes(), at + ".schemes", "a free rule takes no payment; remove schemes");
            return null;
        }
        return problems.setting(rule.schemes(), at + ".schemes", values -> schemes(values, charge));
    }

    private static Set<String> schemes(List<String> values, ChargeModel charge) {
        Set<String> schemes = new LinkedHashSet<>();
        for (String value : values) {
            String scheme = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
            if (!scheme.equals(Scrip.SCHEME) && !scheme.equals(PayWord.SCHEME)) {
                throw new IllegalArgumentException("'" + value + "' is not a scheme; use scrip or payword");
            }
            if (!schemes.add(scheme)) {
                throw new IllegalArgumentException("'" + scheme + "' is listed twice");
            }
        }
        if (!schemes.contains(Scrip.SCHEME)) {
            throw new IllegalArgumentException("every priced rule accepts scrip: list it, as in [scrip, payword]");
        }
        if (schemes.contains(PayWord.SCHEME) && charge != ChargeModel.PER_CLICK && charge != ChargeModel.METERED) {
            throw new IllegalArgumentException("payword is accepted only on per-click and metered rules, not on a "
                    + charge.configName() + " rule");
        }
        return schemes;
    }

    /** A per-stream rule's window: {@link PriceRule#DEFAULT_WINDOW} unless given, 1m to 30d. */
    Optional<Duration> window(ConfigFile.Rule rule, ChargeModel charge) {
        if (charge != ChargeModel.PER_STREAM) {
            return onlyFor(rule.window(), "window", "per-stream", charge) ? Optional.empty() : null;
        }
        Duration window = problems.optional(rule.window(), at + ".window", SettingValues.between("1m", "30d"),
                PriceRule.DEFAULT_WINDOW);
        return window == null ? null : Optional.of(window);
    }

    /** A per-stream rule's stream pattern, which must be able to match paths of the rule's {@code match}. */
    Optional<String> stream(ConfigFile.Rule rule, ChargeModel charge, PathPattern match) {
        if (charge != ChargeModel.PER_STREAM) {
            return onlyFor(rule.stream(), "stream", "per-stream", charge) ? Optional.empty() : null;
        }
        if (rule.stream() == null || rule.stream().value() == null) {
            return Optional.empty();
        }
        StreamKeys keys = problems.setting(rule.stream(), at + ".stream", text -> {
            StreamKeys compiled = StreamKeys.compile(text.trim());
            if (match != null) {
                String conflict = inconsistency(match, compiled);
                if (conflict != null) {
                    throw new IllegalArgumentException("'" + compiled + "' " + conflict);
                }
            }
            return compiled;
        });
        return keys == null ? null : Optional.of(keys.toString());
    }

    /**
     * Why the stream pattern cannot key the rule's requests, or {@code null}. Decided on the literal leading
     * segments: one must be a prefix of the other, or no path could match both. An exact match must be matched.
     */
    static String inconsistency(PathPattern match, StreamKeys stream) {
        switch (match.kind()) {
            case EXACT:
                return stream.matches(match.toString()) ? null
                        : "does not match the rule's path '" + match + "'";
            case EXTENSION:
            case ALL:
                return null;
            default:
                String a = match.literalHead();
                String b = stream.literalHead();
                return segmentPrefix(a, b) || segmentPrefix(b, a) ? null
                        : "can never match a path of match '" + match + "': they start with different segments";
        }
    }

    private static boolean segmentPrefix(String prefix, String path) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    /** A metered rule's unit in bytes (required); 0 for other models; -1 after a problem. */
    long unit(ConfigFile.Rule rule, ChargeModel charge) {
        if (charge != ChargeModel.METERED) {
            return onlyFor(rule.unit(), "unit", "metered", charge) ? 0 : -1;
        }
        if (rule.unit() == null || rule.unit().value() == null) {
            problems.problem(rule.unit() != null ? rule.unit() : entry, at + ".unit",
                    "missing (a metered rule charges its price per unit, such as 1MiB)");
            return -1;
        }
        Long bytes = problems.setting(rule.unit(), at + ".unit", ByteSizes::parse);
        return bytes == null ? -1 : bytes;
    }

    /** {@code true} if the setting is absent, as it must be for this charge model; else records the problem. */
    private boolean onlyFor(Located<?> value, String setting, String model, ChargeModel charge) {
        if (value == null || value.value() == null) {
            return true;
        }
        problems.problem(value, at + "." + setting, "only a " + model + " rule has a " + setting
                + "; this rule is " + charge.configName());
        return false;
    }
}
