package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.PaidForwarding;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The charge models the gateway runs, by the {@link ChargeModel} a rule names. Adding a model is a new
 * {@link ChargeModel} constant (its config name), a {@link Charging} class, and its line here. {@link ChargeModel#FREE}
 * has none: the route stage passes free requests without reading a payment.
 */
public final class ChargeModels {

    private final Map<ChargeModel, Charging> models = new EnumMap<>(ChargeModel.class);

    /** @param chargeMade told the issuer of the broker after each charge (its settler claims it) */
    public ChargeModels(PaidForwarding forwarding, RefundLimit refundLimit, Consumer<String> chargeMade, Clock clock) {
        Checkout checkout = new Checkout(forwarding, refundLimit, chargeMade);
        models.put(ChargeModel.PER_CLICK, new PerClick(checkout, clock));
        models.put(ChargeModel.PER_STREAM, new PerStream(checkout, clock));
        models.put(ChargeModel.METERED, new Metered(chargeMade));
    }

    /** The model of a priced rule. */
    public Charging of(PriceRule rule) {
        Charging model = models.get(rule.charge());
        if (model == null) {
            throw new IllegalStateException("no charge model runs rules charged " + rule.charge().configName());
        }
        return model;
    }
}
