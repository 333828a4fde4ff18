package dev.tollgate.gateway;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A rule's free allowance ({@code free: {count: 3, per: 30d}}): a reader's browser may read {@code count} items of the
 * rule free per period of {@code per}, counted in a sealed cookie (docs/CONFIG.md, "Free allowance"). Immutable.
 *
 * @param count how many different items a browser reads free per period, 1 to {@link #MAX_COUNT}
 * @param per how long a period lasts, from the first free read, {@link #MIN_PERIOD} to {@link #MAX_PERIOD}
 * @param pool the name of the allowance ({@code pool:}): rules with the same pool share one count (and must agree
 *             on {@code count} and {@code per}); empty for the rule's own allowance
 * @since 0.6
 */
public record FreeAllowance(int count, Duration per, Optional<String> pool) {

    /** The most free items per period: the cookie keeps one 8-byte hash per item read, so this bounds its size. */
    public static final int MAX_COUNT = 32;
    public static final Duration MIN_PERIOD = Duration.ofMinutes(1);
    public static final Duration MAX_PERIOD = Duration.ofDays(366);

    public FreeAllowance {
        Objects.requireNonNull(per, "per cannot be null.");
        Objects.requireNonNull(pool, "pool cannot be null.");
        if (pool.isPresent() && !PriceRule.ID.matcher(pool.get()).matches()) {
            throw new IllegalArgumentException("a pool is named like a rule's id: " + pool.get());
        }
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("a free count is 1 to " + MAX_COUNT + ", got " + count);
        }
        if (per.compareTo(MIN_PERIOD) < 0 || per.compareTo(MAX_PERIOD) > 0) {
            throw new IllegalArgumentException("a free period is 1m to 366d, got " + per);
        }
    }

    /** A rule's own allowance, shared with no other rule. */
    public FreeAllowance(int count, Duration per) {
        this(count, per, Optional.empty());
    }
}
