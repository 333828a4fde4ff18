/**
 * Settlement: the gateway redeems the charges in its ledger at the broker, in batches of cumulative claims signed
 * with the seller's key ({@code docs/PROTOCOL.md} section 6), leaving out the charges that requests still running may
 * refund ({@link dev.tollgate.gateway.settlement.RefundHolds}). {@link dev.tollgate.gateway.settlement.Settler}
 * schedules the passes; a pass runs one way: voids, select, sign, post, apply
 * ({@code SettlementPass}). Used by {@link dev.tollgate.gateway.TollgateFilter};
 * apart from {@link dev.tollgate.gateway.settlement.SettlementStatus}, not an API: anything here may change in any
 * release.
 */
package dev.tollgate.gateway.settlement;
