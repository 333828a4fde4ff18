/**
 * Cluster mode: gateway nodes share each scrip's budget through leases in Redis (docs/CLUSTER.md). {@link
 * dev.tollgate.gateway.cluster.BudgetLeases} is one node's Redis side (the Lua scripts, sequence numbers, timeouts);
 * {@link dev.tollgate.gateway.cluster.NodeSlices} the node's slices in memory, which charges draw on without a round
 * trip.
 */
package dev.tollgate.gateway.cluster;
