package dev.tollgate.gateway.cluster;

/**
 * What {@link NodeSlices#reserve} decided. Immutable.
 *
 * @param outcome reserved, or why not
 * @param remainingMicros when refused: what this node could still reach (its slice and the free budget)
 * @param elsewhereMicros when {@link Outcome#BUSY}: what other nodes hold and have not reported consumed
 */
public record Reservation(Outcome outcome, long remainingMicros, long elsewhereMicros) {

    /** Whether the amount was reserved. */
    public enum Outcome {
        /** Reserved from the node's slice. */
        RESERVED,
        /** The budget cannot cover it: the gateway answers 402. */
        INSUFFICIENT,
        /** The budget might, but other nodes hold it now: the gateway answers 503 with {@code Retry-After}. */
        BUSY
    }

    static final Reservation RESERVED = new Reservation(Outcome.RESERVED, 0, 0);

    public boolean reserved() {
        return outcome == Outcome.RESERVED;
    }
}
