package dev.tollgate.gateway.route;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import java.util.List;

/**
 * The rules of one config, compiled for the request path: a flat array scanned in order, first match wins.
 * Immutable and thread-safe.
 */
public final class RuleTable {

    private final PathPattern[] patterns;
    private final PriceRule[] rules;

    public RuleTable(List<PriceRule> rules) {
        this.rules = rules.toArray(new PriceRule[0]);
        this.patterns = new PathPattern[this.rules.length];
        for (int i = 0; i < this.rules.length; i++) {
            patterns[i] = PathPattern.compile(this.rules[i].match());
        }
    }

    /** The first rule matching the path and method, or {@code null} when the request passes free. */
    public PriceRule match(String path, String method) {
        for (int i = 0; i < patterns.length; i++) {
            if (rules[i].appliesTo(method) && patterns[i].matches(path)) {
                return rules[i];
            }
        }
        return null;
    }

    /**
     * Whether some method is charged on the path: a priced rule matches it before any free rule for every method.
     * {@code OPTIONS} passes uncharged on such a path, but must not carry what the app answers there.
     */
    public boolean pricedForSomeMethod(String path) {
        for (int i = 0; i < patterns.length; i++) {
            if (patterns[i].matches(path)) {
                if (rules[i].charge() != ChargeModel.FREE) {
                    return true;
                }
                if (rules[i].methods().isEmpty()) {
                    return false;
                }
            }
        }
        return false;
    }
}
