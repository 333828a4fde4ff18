package dev.tollgate.gateway.metrics;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether the ledger took the last charge the request path asked of it, for the health check: a charge that failed
 * for the ledger ({@code ledger_unavailable}) marks it failing until a charge goes through again. A request that
 * succeeds after a healthy one writes nothing (a volatile read), so the paid click does not contend on this.
 * Thread-safe.
 */
public final class LedgerWrites {

    private final Clock clock;
    private volatile Instant failingSince;

    public LedgerWrites(Clock clock) {
        this.clock = clock;
    }

    /** A charge went through. */
    public void succeeded() {
        if (failingSince != null) {
            failingSince = null;
        }
    }

    /** A charge could not be recorded: the ledger was unavailable. */
    public void failed() {
        if (failingSince == null) {
            failingSince = clock.instant();
        }
    }

    /** Since when charges fail, or empty when the last one went through (or none was asked yet). */
    public Optional<Instant> failingSince() {
        return Optional.ofNullable(failingSince);
    }
}
