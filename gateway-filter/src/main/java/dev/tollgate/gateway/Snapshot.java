package dev.tollgate.gateway;

import dev.tollgate.protocol.Scrip;

/**
 * One config compiled for requests: swapped as a whole on reload, so a request sees either the old prices or the
 * new ones, never a mix.
 */
final class Snapshot {

    final GatewayConfig config;
    final RuleTable rules;
    /** The x402 network buyers must name: {@code tollgate:<broker id>}. */
    final String network;
    final String currency;

    Snapshot(GatewayConfig config) {
        this.config = config;
        this.rules = new RuleTable(config.rules());
        this.network = Scrip.network(config.broker().id());
        this.currency = config.currency().getCurrencyCode();
    }
}
