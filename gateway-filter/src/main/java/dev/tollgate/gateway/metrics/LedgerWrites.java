package dev.tollgate.gateway.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the ledger took the charges the request path asked of it, for the health check: a charge that failed for the
 * ledger ({@code ledger_unavailable}) marks it failing until a charge goes through again, or until
 * {@link #FAILURE_EXPIRY} passes without another failure (a node the load balancer drained gets no charge to prove
 * the ledger is back). A request that succeeds after a healthy one writes nothing (a volatile read), so the paid click
 * does not contend on this. Thread-safe.
 */
public final class LedgerWrites {

    /** How long a failed charge keeps the ledger failing when no charge is asked of it since. */
    public static final Duration FAILURE_EXPIRY = Duration.ofSeconds(60);

    private final Clock clock;
    /** The first and the last failure since a charge last went through; {@code null} when none failed. */
    private volatile Failing failing;

    public LedgerWrites(Clock clock) {
        this.clock = clock;
    }

    private record Failing(Instant since, Instant last) {
    }

    /** A charge went through. */
    public void succeeded() {
        if (failing != null) {
            failing = null;
        }
    }

    /** A charge could not be recorded: the ledger was unavailable. */
    public void failed() {
        Instant now = clock.instant();
        Failing was = failing;
        failing = new Failing(was == null ? now : was.since(), now); // two racing failures: either's times will do
    }

    /**
     * Since when charges fail, or empty when the last one went through, none was asked yet, or the last failure is
     * older than {@link #FAILURE_EXPIRY}.
     */
    public Optional<Instant> failingSince() {
        Failing now = failing;
        if (now == null || Duration.between(now.last(), clock.instant()).compareTo(FAILURE_EXPIRY) >= 0) {
            return Optional.empty();
        }
        return Optional.of(now.since());
    }
}
