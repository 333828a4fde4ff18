package dev.tollgate.gateway;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code mode: shadow} served free since the filter started, for a rollout's dashboard
 * ({@link TollgateFilter#shadowReport()}): per rule, the requests whose payment read and would have been charged and
 * what they would have paid; per error code, the requests that would have been refused. Counted in memory, reset by a
 * restart. Immutable.
 *
 * @param currency the ISO 4217 code of the amounts
 * @param rules the rules that would have charged, in the order they first did; at most {@link #MAX_RULES}, then
 *              the rest summed under {@link #OTHER_RULES}
 * @param refusals per error code ({@code payment_required}, {@code invalid_token}, ...), the requests that would have
 *                 been refused; only codes that occurred
 * @since 0.6
 */
public record ShadowReport(String currency, List<Rule> rules, Map<String, Long> refusals) {

    /** The most rules counted apart: rules are bounded by the config, but reloads could name new ones forever. */
    public static final int MAX_RULES = 256;
    /** The name the requests of rules past {@link #MAX_RULES} are summed under. */
    public static final String OTHER_RULES = "(other rules)";

    /**
     * @param rule the rule's {@code id}, else its {@code match}
     * @param requests how many requests carried a payment that read and would have been charged
     * @param micros what they would have been charged, in micro-units: the rule's price once per request (exact for
     *               per-click; per-stream would charge once per window, metered per unit of body)
     */
    public record Rule(String rule, long requests, long micros) {
        public Rule {
            Objects.requireNonNull(rule, "rule cannot be null.");
        }
    }

    public ShadowReport {
        Objects.requireNonNull(currency, "currency cannot be null.");
        rules = List.copyOf(rules);
        refusals = Map.copyOf(refusals);
    }

    /** What every rule would have been paid, in micro-units. */
    public long totalMicros() {
        return rules.stream().mapToLong(Rule::micros).sum();
    }

    /** How many requests would have been refused, whatever the code. */
    public long totalRefusals() {
        return refusals.values().stream().mapToLong(Long::longValue).sum();
    }
}
