package dev.tollgate.gateway;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a started gateway is doing ({@link TollgateFilter#health()}): {@link #status()} is {@link Status#UP} when every
 * check is, else {@link Status#DOWN} (what an alert wants: something needs an operator); {@link #ready()} says whether
 * it can take payments at all (what a load balancer wants: a late settlement, one broker of several with stale keys
 * or a refused reload do not stop payments, and pulling the node would take its free pages down too). The checks, in this order (README.md, "Monitoring"): {@code keys:<broker id>}
 * for each configured broker, {@code ledger}, {@code settlement:<broker id>} for each, {@code config}. No detail holds
 * a secret, a buyer or a payment. Immutable.
 *
 * @param status {@code DOWN} if any check is
 * @param checks by name, in the order above
 * @since 0.6
 */
public record Health(Status status, Map<String, Check> checks) {

    /** The name of the ledger's check. */
    static final String LEDGER = "ledger";
    /** The start of each broker's keys check's name, followed by the broker's id. */
    static final String KEYS = "keys:";

    /** Whether a check, or the whole, passes. */
    public enum Status {
        UP,
        DOWN
    }

    /**
     * One check.
     *
     * @param status its outcome
     * @param detail what was found, for an operator: a time, an age, a setting's name
     */
    public record Check(Status status, String detail) {

        public Check {
            Objects.requireNonNull(status, "status cannot be null.");
            Objects.requireNonNull(detail, "detail cannot be null.");
        }
    }

    public Health {
        Objects.requireNonNull(status, "status cannot be null.");
        checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
    }

    /**
     * Whether the gateway can take payments: its {@code ledger} check is UP and the {@code keys:} check of at least
     * one broker is. The other checks (settlement, config) leave it ready.
     */
    public boolean ready() {
        Check ledger = checks.get(LEDGER);
        return ledger != null && ledger.status() == Status.UP && checks.entrySet().stream()
                .anyMatch(check -> check.getKey().startsWith(KEYS) && check.getValue().status() == Status.UP);
    }

    /** Health whose status is DOWN if any of {@code checks} is, else UP. */
    public static Health of(Map<String, Check> checks) {
        boolean up = checks.values().stream().allMatch(check -> check.status() == Status.UP);
        return new Health(up ? Status.UP : Status.DOWN, checks);
    }
}
