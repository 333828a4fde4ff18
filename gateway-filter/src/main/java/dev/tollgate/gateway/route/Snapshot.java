package dev.tollgate.gateway.route;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.protocol.Scrip;

/**
 * One config compiled for requests: swapped as a whole on reload, so a request sees either the old prices or the
 * new ones, never a mix.
 */
public final class Snapshot {

    public final GatewayConfig config;
    final RuleTable rules;
    /** The x402 network buyers must name: {@code tollgate:<broker id>}. */
    public final String network;
    public final String currency;
    /** The browser flow, kept across reloads; null where no browser pays (benchmarks). */
    public final BrowserFlow browser;

    public Snapshot(GatewayConfig config) {
        this(config, null);
    }

    public Snapshot(GatewayConfig config, BrowserFlow browser) {
        this.config = config;
        this.browser = browser;
        this.rules = new RuleTable(config.rules());
        this.network = Scrip.network(config.broker().id());
        this.currency = config.currency().getCurrencyCode();
    }
}
