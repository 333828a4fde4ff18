/**
 * Tollgate's gateway, the API a seller uses: {@link dev.tollgate.gateway.TollgateFilter} (a {@code jakarta.servlet}
 * filter, configured from a YAML file or its {@link dev.tollgate.gateway.TollgateFilter.Builder}), the
 * {@link dev.tollgate.gateway.Payment} a paid request carries to the app, the config it runs
 * ({@link dev.tollgate.gateway.GatewayConfig}, {@link dev.tollgate.gateway.PriceRule},
 * {@link dev.tollgate.gateway.ChargeModel}) and its reports ({@link dev.tollgate.gateway.SalesReport},
 * {@link dev.tollgate.gateway.SettlementStatus}). The ledger SPI is {@code dev.tollgate.gateway.ledger}. Every other
 * package is the filter's implementation, not exported by the module (docs/ARCHITECTURE.md).
 */
package dev.tollgate.gateway;
