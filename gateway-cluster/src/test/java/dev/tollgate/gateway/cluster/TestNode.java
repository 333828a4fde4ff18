package dev.tollgate.gateway.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A gateway node as far as budgets go: its own Lettuce connection ({@link BudgetLeases}), its slices
 * ({@link NodeSlices}), a sweeper that hands back idle slices as the gateway's will (unless the node stalls), and
 * {@link #consumed}, the total its "journal" recorded (every reservation made, none given back).
 */
final class TestNode implements AutoCloseable {

    static final Instant EXPIRES = Instant.now().plus(Duration.ofHours(1));

    final String id;
    final BudgetLeases leases;
    final NodeSlices slices;
    final AtomicLong consumed = new AtomicLong();
    private final ScheduledExecutorService sweeper;

    private TestNode(String id, BudgetLeases leases, NodeSlices slices, Duration idle) {
        this.id = id;
        this.leases = leases;
        this.slices = slices;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "sweeper-" + id);
            thread.setDaemon(true);
            return thread;
        });
        if (idle != null) {
            sweeper.scheduleWithFixedDelay(() -> slices.releaseIdle(idle), 50, 50, TimeUnit.MILLISECONDS);
        }
    }

    static TestNode start(RedisServer redis, String id, LeaseSettings settings, SlicePolicy policy)
            throws LeaseUnavailableException {
        return start(redis, id, settings, policy, Duration.ofMillis(200));
    }

    /** A node whose slices are handed back when idle for {@code idle}, or only when asked if it is null. */
    static TestNode start(RedisServer redis, String id, LeaseSettings settings, SlicePolicy policy, Duration idle)
            throws LeaseUnavailableException {
        BudgetLeases leases = BudgetLeases.connect(redis.uri(), id, settings);
        return new TestNode(id, leases, new NodeSlices(leases, policy), idle);
    }

    /** Reserves {@code amount} and, if reserved, records it as charged. */
    Reservation charge(ScripId scrip, long budget, long amount) throws LeaseUnavailableException {
        Reservation reservation = slices.reserve(scrip, budget, EXPIRES, amount);
        if (reservation.reserved()) {
            consumed.addAndGet(amount);
        }
        return reservation;
    }

    /** Whether a charge of {@code amount} is reserved now; {@code false} also if Redis cannot be reached. */
    boolean chargesNow(ScripId scrip, long budget, long amount) {
        try {
            return charge(scrip, budget, amount).reserved();
        } catch (LeaseUnavailableException e) {
            return false;
        }
    }

    /** Charges on one thread until the node refuses; returns the refusal. */
    Reservation chargeUntilRefused(ScripId scrip, long budget, long amount) throws LeaseUnavailableException {
        while (true) {
            Reservation reservation = charge(scrip, budget, amount);
            if (!reservation.reserved()) {
                return reservation;
            }
        }
    }

    /** The node disappears: no sweep, no release, its connection gone (as a process killed with -9). */
    void vanish() throws InterruptedException {
        stopSweeper();
        leases.close();
    }

    private void stopSweeper() throws InterruptedException {
        sweeper.shutdownNow();
        if (!sweeper.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the sweeper of node " + id + " did not stop");
        }
    }

    /** A clean shutdown: every slice handed back. */
    @Override
    public void close() throws InterruptedException {
        stopSweeper();
        slices.close();
        leases.close();
    }
}
