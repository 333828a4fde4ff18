package dev.tollgate.gateway.route;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.metrics.LedgerWrites;
import dev.tollgate.gateway.metrics.RequestMeters;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One config compiled for requests: swapped as a whole on reload, so a request sees either the old prices or the
 * new ones, never a mix.
 */
public final class Snapshot {

    public final GatewayConfig config;
    final RuleTable rules;
    /** The x402 networks buyers may pay on, for messages: {@code 'tollgate:<broker id>'}, joined by "or". */
    public final String networks;
    public final String currency;
    /** The browser flow, kept across reloads; null where no browser pays (benchmarks). */
    public final BrowserFlow browser;
    /** The request path's meters for this config's rules; {@link RequestMeters#NONE} without a registry. */
    public final RequestMeters meters;
    /** Whether the ledger took the last charge, kept across reloads (the health check reads it). */
    public final LedgerWrites ledgerWrites;
    private final Map<String, GatewayConfig.Broker> byNetwork = new HashMap<>();
    private final Map<String, GatewayConfig.Broker> byIssuer = new HashMap<>();

    public Snapshot(GatewayConfig config) {
        this(config, null);
    }

    public Snapshot(GatewayConfig config, BrowserFlow browser) {
        this(config, browser, RequestMeters.NONE, new LedgerWrites(java.time.Clock.systemUTC()));
    }

    public Snapshot(GatewayConfig config, BrowserFlow browser, RequestMeters meters, LedgerWrites ledgerWrites) {
        this.config = config;
        this.browser = browser;
        this.meters = meters;
        this.ledgerWrites = ledgerWrites;
        this.rules = new RuleTable(config.rules());
        for (GatewayConfig.Broker broker : config.brokers()) {
            byNetwork.put(broker.network(), broker);
            byIssuer.put(broker.issuer(), broker);
        }
        this.networks = config.brokers().stream().map(broker -> "'" + broker.network() + "'")
                .collect(Collectors.joining(" or "));
        this.currency = config.currency().getCurrencyCode();
    }

    /** The broker whose buyers pay on the x402 network {@code tollgate:<id>}, or {@code null} if none does. */
    public GatewayConfig.Broker brokerOn(String network) {
        return network == null ? null : byNetwork.get(network);
    }

    /** The broker with this issuer, or {@code null} if none has it (a broker since removed from the config). */
    public GatewayConfig.Broker brokerIssuing(String issuer) {
        return byIssuer.get(issuer);
    }
}
