/**
 * What the gateway measures for its operators: the request path's counters and timers ({@link RequestMeters}), the
 * gauges read from the filter's own state ({@link GatewayMetrics}), and whether the ledger last took a charge
 * ({@link LedgerWrites}, which the health check reads). Micrometer is an optional dependency: every type of it is
 * named in this package only (the one exception is {@code TollgateFilter.Builder.meterRegistry}'s parameter), and
 * without it on the class path, or without a registry, the meters are no-ops ({@link GatewayMetrics#create}).
 */
package dev.tollgate.gateway.metrics;
