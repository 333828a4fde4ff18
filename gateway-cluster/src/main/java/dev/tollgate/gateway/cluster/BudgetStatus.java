package dev.tollgate.gateway.cluster;

import java.util.Map;
import java.util.TreeMap;

/**
 * A scrip's budget as Redis records it, for monitoring, tests and operators: the totals and one row per node that
 * leased it. Immutable.
 *
 * @param budgetMicros the budget; 0 if Redis has no record of the scrip
 * @param heldMicros what all nodes hold (granted and not handed back); never above the budget
 * @param usedMicros what all nodes reported they consumed
 * @param redisMillis Redis's clock when the hash was read
 * @param nodes each node's row, by node id
 */
public record BudgetStatus(long budgetMicros, long heldMicros, long usedMicros, long redisMillis,
                           Map<String, NodeRow> nodes) {

    /**
     * One node's lease on the scrip.
     *
     * @param heldMicros granted to it and not handed back
     * @param usedMicros what it reported it consumed
     * @param untilMillis when its lease expires (Redis time); 0 once it handed back
     * @param fenced whether it was retired on this scrip
     */
    public record NodeRow(long heldMicros, long usedMicros, long untilMillis, boolean fenced) {
    }

    public BudgetStatus {
        nodes = Map.copyOf(nodes);
    }

    /** What no node holds. */
    public long freeMicros() {
        return budgetMicros - heldMicros;
    }

    /** Whether the node holds a lease that has not expired by Redis's clock. */
    public boolean live(String node) {
        NodeRow row = nodes.get(node);
        return row != null && row.untilMillis() > redisMillis;
    }

    /** Reads the scrip's hash (docs/CLUSTER.md "State in Redis"). */
    static BudgetStatus fromHash(Map<String, String> hash, long redisMillis) {
        Map<String, long[]> rows = new TreeMap<>();
        for (Map.Entry<String, String> field : hash.entrySet()) {
            String name = field.getKey();
            int colon = name.indexOf(':');
            if (colon == 1) {
                long[] row = rows.computeIfAbsent(name.substring(2), n -> new long[4]);
                int column = "hutf".indexOf(name.charAt(0));
                if (column >= 0) {
                    row[column] = Long.parseLong(field.getValue());
                }
            }
        }
        Map<String, NodeRow> nodes = new TreeMap<>();
        rows.forEach((node, row) -> nodes.put(node, new NodeRow(row[0], row[1], row[2], row[3] != 0)));
        return new BudgetStatus(number(hash, "budget"), number(hash, "held"), number(hash, "used"), redisMillis,
                nodes);
    }

    private static long number(Map<String, String> hash, String field) {
        String value = hash.get(field);
        return value == null ? 0 : Long.parseLong(value);
    }
}
