package dev.tollgate.gateway.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Retires a node that will not come back (docs/CLUSTER.md, "Retiring a node that will not come back"): for each scrip
 * it leased and never released, once its lease has expired, what it held beyond what it last reported returns to the
 * scrip's free budget ({@code retire.lua}) and the node is fenced there, so what it charged after that report is
 * never claimed. A live lease is left alone, and a node whose id a running process holds is not retired at all.
 * For operators ({@code admin.RetireNode}); runs over a connection opened under the retired node's id, whose node set
 * it reads.
 */
public final class NodeRetirement {

    /** What became of one scrip the node held. */
    public enum Kind {
        /** Its lease had expired: {@link Outcome#returnedMicros()} went back to the free budget. */
        RETIRED,
        /** A dry run: its lease has expired and retiring would return {@link Outcome#returnedMicros()}. */
        WOULD_RETIRE,
        /** Its lease is live until {@link Outcome#untilMillis()} (Redis time): not retired. */
        LIVE,
        /** Redis has no record of the scrip any more (it expired with its retention): nothing to return. */
        GONE
    }

    /**
     * One scrip's outcome.
     *
     * @param heldMicros what the node held on it before
     * @param usedMicros what the node last reported it consumed: what stays spent
     */
    public record Outcome(ScripId scrip, Kind kind, long returnedMicros, long heldMicros, long usedMicros,
                          long untilMillis) {
    }

    private final BudgetLeases redis;

    /** @param redis a connection opened under the id of the node to retire */
    public NodeRetirement(BudgetLeases redis) {
        this.redis = redis;
    }

    /**
     * Retires the node from every scrip it leased and did not release, or with {@code dryRun} only says what that
     * would do. Bounded by the node's set of leased scrip (its slice capacity).
     *
     * @throws IllegalStateException if a running process holds the node's id: retire only a node that is gone; or if
     *     Redis holds no lease of the node (a wrong id, or retired already)
     * @throws LeaseUnavailableException if Redis cannot be asked; what was retired before stays retired
     */
    public List<Outcome> retire(boolean dryRun) throws LeaseUnavailableException {
        Optional<String> holder = NodeOwner.holder(redis, redis.node());
        if (holder.isPresent()) {
            throw new IllegalStateException("node " + redis.node() + " is running, at " + holder.get() + " (it holds "
                    + "its node id in Redis): stop it, or if it is gone, wait " + NodeOwner.LEASE.toSeconds()
                    + " s for its hold to end");
        }
        List<ScripId> leased = redis.leasedScrip();
        if (leased.isEmpty()) {
            throw new IllegalStateException("no lease of node " + redis.node() + " in Redis, and no process holds "
                    + "its id: a wrong id (a node's id is its ledger's db_id, in its .cluster marker), a node that "
                    + "stopped cleanly (it gave its leases back) or one retired already");
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (ScripId scrip : leased) {
            BudgetStatus status = redis.status(scrip);
            BudgetStatus.NodeRow row = status.nodes().getOrDefault(redis.node(),
                    new BudgetStatus.NodeRow(0, 0, 0, false));
            if (status.budgetMicros() == 0) {
                if (!dryRun) {
                    redis.retire(scrip, redis.node()); // drops it from the node's set
                }
                outcomes.add(new Outcome(scrip, Kind.GONE, 0, 0, 0, 0));
            } else if (status.live(redis.node())) {
                outcomes.add(new Outcome(scrip, Kind.LIVE, 0, row.heldMicros(), row.usedMicros(), row.untilMillis()));
            } else if (dryRun) {
                outcomes.add(new Outcome(scrip, Kind.WOULD_RETIRE, row.heldMicros() - row.usedMicros(),
                        row.heldMicros(), row.usedMicros(), row.untilMillis()));
            } else {
                outcomes.add(retired(scrip, row));
            }
        }
        return outcomes;
    }

    private Outcome retired(ScripId scrip, BudgetStatus.NodeRow before) throws LeaseUnavailableException {
        Lease lease = redis.retire(scrip, redis.node());
        return switch (lease.status()) {
            case OK -> new Outcome(scrip, Kind.RETIRED, lease.movedMicros(), before.heldMicros(), lease.usedMicros(),
                    0);
            case LIVE -> new Outcome(scrip, Kind.LIVE, 0, lease.heldMicros(), lease.usedMicros(),
                    lease.untilMillis()); // renewed since it was read: the node is back
            case GONE -> new Outcome(scrip, Kind.GONE, 0, 0, 0, 0);
            default -> throw new IllegalStateException("retire.lua answered " + lease.status());
        };
    }
}
