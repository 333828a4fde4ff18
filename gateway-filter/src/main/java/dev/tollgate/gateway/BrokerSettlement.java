package dev.tollgate.gateway;

import java.util.Objects;

/**
 * Where settlement stands with one broker ({@link TollgateFilter#settlementByBroker()}). Immutable.
 *
 * @param id the broker's id ({@code tollgate:<id>} is its network), as last configured
 * @param name its display name, as last configured
 * @param issuer the {@code iss} of its scrip
 * @param accepted whether the config in force accepts its scrip; false for a broker removed from the config whose
 *                 charges are still being settled
 * @param status its amounts, counts and errors
 * @since 0.5
 */
public record BrokerSettlement(String id, String name, String issuer, boolean accepted, SettlementStatus status) {

    public BrokerSettlement {
        Objects.requireNonNull(id, "id cannot be null.");
        Objects.requireNonNull(name, "name cannot be null.");
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(status, "status cannot be null.");
    }
}
