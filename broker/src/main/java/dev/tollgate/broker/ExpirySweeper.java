package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started broker's background job, on one daemon thread at a fixed delay: expiry returns (the unredeemed remainder
 * of scrip and certificates past their expiry and grace goes back to the buyers) and forgetting idempotency keys
 * older than 24 hours. A failed run is logged and retried at the next. Both also run on demand and lazily, so the
 * schedule only bounds how long a return or a key can wait.
 */
final class ExpirySweeper implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);

    private final Settlement settlement;
    private final ScripIdempotency idempotency;
    private final ScheduledExecutorService executor;

    private ExpirySweeper(Settlement settlement, ScripIdempotency idempotency) {
        this.settlement = settlement;
        this.idempotency = idempotency;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "broker-expiry-returns");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs the sweep every {@code interval}, the first time after one interval. */
    static ExpirySweeper every(Duration interval, Settlement settlement, ScripIdempotency idempotency) {
        ExpirySweeper sweeper = new ExpirySweeper(settlement, idempotency);
        long period = interval.toMillis();
        sweeper.executor.scheduleWithFixedDelay(sweeper::sweep, period, period, TimeUnit.MILLISECONDS);
        return sweeper;
    }

    private void sweep() {
        try {
            int returned = settlement.returnExpired(null);
            if (returned > 0) {
                LOG.info("Returned the unredeemed remainder of {} expired scrip and certificates to their buyers",
                        returned);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Expiry returns failed; retrying at the next run", e);
        }
        try {
            idempotency.purgeExpired();
        } catch (SQLException e) {
            LOG.warn("Forgetting expired idempotency keys failed; retrying at the next run", e);
        }
    }

    /** Stops the schedule, waiting up to 5 seconds for a run in progress. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
