package dev.tollgate.gateway;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Whether a started gateway can take payments now ({@link TollgateFilter#health()}): {@link Status#UP} when every
 * check is, else {@link Status#DOWN}. The checks, in this order (README.md, "Monitoring"): {@code keys:<broker id>}
 * for each configured broker, {@code ledger}, {@code settlement:<broker id>} for each, {@code config}. No detail holds
 * a secret, a buyer or a payment. Immutable.
 *
 * @param status {@code DOWN} if any check is
 * @param checks by name, in the order above
 * @since 0.6
 */
public record Health(Status status, Map<String, Check> checks) {

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

    /** Health whose status is DOWN if any of {@code checks} is, else UP. */
    public static Health of(Map<String, Check> checks) {
        boolean up = checks.values().stream().allMatch(check -> check.status() == Status.UP);
        return new Health(up ? Status.UP : Status.DOWN, checks);
    }
}
