package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * How big a node's slices are and how many it keeps. Immutable.
 *
 * @param horizon a refill asks for the spend rate since the last refill times this
 * @param chargesAhead a refill asks for at least this many charges of the current price
 * @param maxSharePpm a refill asks for at most this share of the budget, in millionths (250,000: a quarter): what one
 *     node can strand if it never returns
 * @param capacity the most scrip a node holds slices on; a charge on one more fails closed until idle slices are
 *     handed back
 */
public record SlicePolicy(Duration horizon, int chargesAhead, int maxSharePpm, int capacity) {

    private static final int MILLION = 1_000_000;

    public SlicePolicy {
        Objects.requireNonNull(horizon, "horizon cannot be null.");
        if (horizon.isNegative() || horizon.isZero()) {
            throw new IllegalArgumentException("horizon must be positive: " + horizon);
        }
        if (chargesAhead < 1 || capacity < 1) {
            throw new IllegalArgumentException("chargesAhead and capacity must be at least 1: " + chargesAhead + ", "
                    + capacity);
        }
        if (maxSharePpm < 1 || maxSharePpm > MILLION) {
            throw new IllegalArgumentException("maxSharePpm must be from 1 to 1,000,000: " + maxSharePpm);
        }
    }

    /** The policy the config's {@code ledger.lease-ttl} and {@code slice-*} settings give. */
    public static SlicePolicy of(SharedLedgerSettings.Slices slices) {
        return new SlicePolicy(slices.spendAhead(), slices.minCharges(), slices.maxSharePpm(), slices.maxScrip());
    }

    /** The most one refill asks for: {@code budget × maxSharePpm / 10⁶}, rounded down, without overflow. */
    long maxShare(long budgetMicros) {
        return budgetMicros / MILLION * maxSharePpm + budgetMicros % MILLION * maxSharePpm / MILLION;
    }

    /** 2 s of spend, at least 4 charges, at most a quarter of the budget, slices on up to 65,536 scrip. */
    public static SlicePolicy defaults() {
        return of(SharedLedgerSettings.Slices.DEFAULTS);
    }

    public SlicePolicy withCapacity(int value) {
        return new SlicePolicy(horizon, chargesAhead, maxSharePpm, value);
    }
}
