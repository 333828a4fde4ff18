package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.route.PricedRequest;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;

/**
 * What a rule's {@link ChargeModel} does to a paid request: how much is charged, when, and how the request is
 * forwarded. One implementation per model ({@link PerClick}, {@link PerStream}, {@link Metered}), registered in
 * {@link ChargeModels}; it charges through the {@link Payer} its payment scheme made and never asks which scheme that
 * was. Thread-safe: one instance serves every request of its model.
 */
public interface Charging {

    /** Charges and forwards a request whose payment checked out, or answers why not. */
    void serve(PricedRequest priced, Payer payer, FilterChain chain) throws IOException, ServletException;

    /**
     * Whether a request that may not be charged ({@link Payer#mayNotCharge}) still passes on an entitlement bought
     * before under {@code rule}: a stream's ranges and segments charge nothing, nor does an item re-read within its
     * access window or under a pass.
     */
    default boolean passesOnEntitlement(PriceRule rule) {
        return false;
    }
}
