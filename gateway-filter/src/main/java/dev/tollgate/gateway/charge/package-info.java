/**
 * What a rule's {@link dev.tollgate.gateway.ChargeModel} does to a paid request, behind {@code Charging}:
 * {@code PerClick} and {@code PerStream} charge once through {@code Checkout} (hold, refund limit, charge,
 * confirmation, forward); {@code Metered} charges unit by unit as the body is written ({@code MeteredResponse},
 * {@code UnitCharger}). Registered in {@code ChargeModels}. A model charges through a {@code Payer}, the account a payment scheme
 * made of a checked payment; the model never asks which scheme. Not exported by the module.
 */
package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.settlement.RefundLimit;
