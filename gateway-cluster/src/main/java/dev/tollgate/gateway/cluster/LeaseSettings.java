package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * How a node talks to Redis about leases. Immutable; {@link #defaults()} and the {@code with} methods.
 *
 * @param ttl how long a lease lasts after each operation, Redis time; the node charges a slice for 80 % of it
 * @param commandTimeout how long one Redis command may take before the call fails closed
 * @param retention how long a scrip's hash outlives the scrip; covers clock differences between gateway and Redis
 * @param waitReplicas replicas that must acknowledge a grant (Redis {@code WAIT}) before the node uses it; 0 for none
 * @param maxReconnectDelay the longest pause between two attempts to reconnect to Redis
 */
public record LeaseSettings(Duration ttl, Duration commandTimeout, Duration retention, int waitReplicas,
                            Duration maxReconnectDelay) {

    public LeaseSettings {
        requirePositive(ttl, "ttl");
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(retention, "retention");
        requirePositive(maxReconnectDelay, "maxReconnectDelay");
        if (waitReplicas < 0) {
            throw new IllegalArgumentException("waitReplicas must not be negative: " + waitReplicas);
        }
    }

    /** A 30 s TTL, 1 s per command, a day's retention, no replicas awaited, reconnect attempts at least every 1 s. */
    public static LeaseSettings defaults() {
        return new LeaseSettings(SharedLedgerSettings.Slices.DEFAULTS.leaseTtl(),
                SharedLedgerSettings.DEFAULT_COMMAND_TIMEOUT, Duration.ofDays(1), 0, Duration.ofSeconds(1));
    }

    public LeaseSettings withTtl(Duration value) {
        return new LeaseSettings(value, commandTimeout, retention, waitReplicas, maxReconnectDelay);
    }

    public LeaseSettings withCommandTimeout(Duration value) {
        return new LeaseSettings(ttl, value, retention, waitReplicas, maxReconnectDelay);
    }

    public LeaseSettings withWaitReplicas(int value) {
        return new LeaseSettings(ttl, commandTimeout, retention, value, maxReconnectDelay);
    }

    /**
     * The longest a lease call may take: a script, its reload after a Redis restart ({@code NOSCRIPT}) and the
     * replicas' acknowledgement, each within the command timeout.
     */
    Duration callTimeout() {
        return commandTimeout.multipliedBy(3);
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name + " cannot be null.");
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
