package dev.tollgate.gateway.cluster;

import java.util.List;

/**
 * What Redis answered a node about its lease on one scrip, after an operation. Immutable.
 *
 * @param status whether the operation was applied
 * @param heldMicros what the node holds: granted to it and not handed back, what it consumed included
 * @param usedMicros what the node has reported it consumed
 * @param budgetMicros the scrip's budget as Redis recorded it (the first lease's)
 * @param freeMicros what no node holds
 * @param elsewhereMicros what other nodes hold and have not reported consumed
 * @param untilMillis when the lease expires, Redis time; 0 if the node holds no lease
 * @param movedMicros granted by a lease, handed back by a release or retire
 * @param lostMicros what the node held and Redis had forgotten (lost writes), put back by this operation
 * @param contended whether a node was refused part of what it asked within the lease's TTL
 * @param lastSequence the sequence number of the node's last operation applied
 */
public record Lease(Status status, long heldMicros, long usedMicros, long budgetMicros, long freeMicros,
                   long elsewhereMicros, long untilMillis, long movedMicros, long lostMicros, boolean contended,
                   long lastSequence) {

    /** Whether an operation was applied, and why not. */
    public enum Status {
        /** Applied. */
        OK,
        /** Not applied: the node had an operation with a higher sequence number applied already. */
        STALE,
        /** Not applied: the node was retired on this scrip and may neither lease nor report here again. */
        FENCED,
        /** Not applied: Redis has no record of the scrip (never leased, or expired with it). */
        GONE,
        /** Not applied: a retire found the node's lease still live. */
        LIVE
    }

    private static final Status[] STATUSES = Status.values();

    /** Reads the eleven integers every script answers (common.lua, {@code reply}). */
    static Lease fromReply(List<?> reply) {
        if (reply.size() != 11) {
            throw new IllegalStateException("a lease script answered " + reply.size() + " values, not 11");
        }
        long[] v = new long[11];
        for (int i = 0; i < v.length; i++) {
            v[i] = (Long) reply.get(i);
        }
        return new Lease(STATUSES[(int) v[0]], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9] != 0, v[10]);
    }
}
