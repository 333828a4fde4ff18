/**
 * Settlement: the gateway redeems the charges in its ledger at the broker, in batches of cumulative claims signed
 * with the seller's key ({@code docs/PROTOCOL.md} section 6), leaving out the charges that requests still running may
 * refund ({@link dev.tollgate.gateway.settlement.RefundHolds}); {@code RefundLimit} bounds the refunds per scrip or
 * chain. {@link dev.tollgate.gateway.settlement.Settler}
 * is the façade; {@code SettlementSchedule} runs the passes (woken early by {@code SettlementWakeup}, slowed by
 * {@code SettlementBackoff}); a pass runs one way: voids ({@code OnlineVoids}, which counts them in
 * {@code VoidCounts} and posts them with {@code VoidPoster}), select, sign, post, apply
 * ({@code SettlementPass}). Used by {@link dev.tollgate.gateway.TollgateFilter}, which reports where it stands as a
 * {@link dev.tollgate.gateway.SettlementStatus}. Not exported by the module: anything here may change in any release.
 */
package dev.tollgate.gateway.settlement;
