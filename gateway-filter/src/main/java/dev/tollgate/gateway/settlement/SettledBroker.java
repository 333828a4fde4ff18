package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.GatewayConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What settling with one broker takes: where its charges are redeemed, online charges voided and scrip cancelled,
 * and how HTTPS to it is trusted. A configured broker's, or the last known settings of one removed from the config
 * whose charges are still owed ({@link KnownBrokers}). Immutable.
 *
 * @param id the broker's id when it was last configured
 * @param name its display name then
 * @param issuer the {@code iss} of its scrip: who the broker is
 * @param redemptionUri where batches of claims are POSTed
 * @param cancelUri where scrip is cancelled
 * @param chargeUri where online charges are POSTed (their voids to this plus {@code /void})
 * @param trustFile the PEM file of CA certificates trusted for HTTPS to it, absolute; empty for the JDK's
 */
public record SettledBroker(String id, String name, String issuer, URI redemptionUri, URI cancelUri, URI chargeUri,
                            Optional<Path> trustFile) {

    public SettledBroker {
        Objects.requireNonNull(id, "id cannot be null.");
        Objects.requireNonNull(name, "name cannot be null.");
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(redemptionUri, "redemptionUri cannot be null.");
        Objects.requireNonNull(cancelUri, "cancelUri cannot be null.");
        Objects.requireNonNull(chargeUri, "chargeUri cannot be null.");
        Objects.requireNonNull(trustFile, "trustFile cannot be null.");
    }

    /** The settlement settings of a configured broker. */
    public static SettledBroker of(GatewayConfig.Broker broker) {
        return new SettledBroker(broker.id(), broker.name(), broker.issuer(), broker.redemptionUri(),
                broker.cancelUri(), broker.chargeUri(), broker.trustFile().map(Path::toAbsolutePath));
    }
}
