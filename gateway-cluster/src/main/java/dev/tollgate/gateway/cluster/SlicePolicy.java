package dev.tollgate.gateway.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * How big a node's slices are and how many it keeps. Immutable.
 *
 * @param horizon a refill asks for the spend rate since the last refill times this
 * @param chargesAhead a refill asks for at least this many charges of the current price
 * @param maxShareDivisor a refill asks for at most the budget divided by this: what one node can strand if it
 *     never returns
 * @param capacity the most scrip a node holds slices on; a charge on one more fails closed until idle slices are
 *     handed back
 */
public record SlicePolicy(Duration horizon, int chargesAhead, int maxShareDivisor, int capacity) {

    public SlicePolicy {
        Objects.requireNonNull(horizon, "horizon cannot be null.");
        if (horizon.isNegative() || horizon.isZero()) {
            throw new IllegalArgumentException("horizon must be positive: " + horizon);
        }
        if (chargesAhead < 1 || maxShareDivisor < 1 || capacity < 1) {
            throw new IllegalArgumentException("chargesAhead, maxShareDivisor and capacity must be at least 1: "
                    + chargesAhead + ", " + maxShareDivisor + ", " + capacity);
        }
    }

    /** 2 s of spend, at least 4 charges, at most a quarter of the budget, slices on up to 65,536 scrip. */
    public static SlicePolicy defaults() {
        return new SlicePolicy(Duration.ofSeconds(2), 4, 4, 65_536);
    }

    public SlicePolicy withCapacity(int value) {
        return new SlicePolicy(horizon, chargesAhead, maxShareDivisor, value);
    }
}
