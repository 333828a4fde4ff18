package dev.tollgate.gateway.config;

import dev.tollgate.gateway.GatewayConfig;

/**
 * Settings that a running gateway cannot take over: they name the store charges are in or where a broker's charges
 * are settled. Prices, descriptions and display names apply live, and so do brokers added or removed (a broker is its
 * issuer: one whose issuer changes is removed and another added) and a broker's key settings; a broker that stays
 * keeps its redemption, cancel and trust settings until a restart, since its settler runs with them.
 */
public final class RestartOnly {

    private RestartOnly() {
    }

    /** The first restart-only setting that differs, or {@code null} if the new config can be applied live. */
    public static String changes(GatewayConfig running, GatewayConfig next) {
        if (!running.sellerId().equals(next.sellerId())) {
            return "seller.id";
        }
        if (!running.currency().equals(next.currency())) {
            return "currency";
        }
        if (!running.dataDir().equals(next.dataDir()) || !running.ledgerFile().equals(next.ledgerFile())) {
            return "data-dir or ledger.file";
        }
        if (running.durability() != next.durability() || !running.ledgerLimits().equals(next.ledgerLimits())) {
            return "ledger.durability, max-backlog or disk-reserve";
        }
        if (!running.sharedLedger().equals(next.sharedLedger())) {
            return "ledger.store or its uri, username, password-file, command-timeout, wait-replicas, lease-ttl, "
                    + "slice-*";
        }
        for (int i = 0; i < next.brokers().size(); i++) {
            GatewayConfig.Broker staying = next.brokers().get(i);
            for (GatewayConfig.Broker was : running.brokers()) {
                String changed = was.issuer().equals(staying.issuer()) ? changes(was, staying) : null;
                if (changed != null) {
                    return next.brokers().size() == 1 ? changed : changed.replace("broker.", "brokers[" + i + "].");
                }
            }
        }
        if (!running.settlement().equals(next.settlement())) {
            return "settlement.*";
        }
        if (running.clientLimits().clients() != next.clientLimits().clients()) {
            return "failed-payments.clients";
        }
        return null;
    }

    /** The first restart-only setting of a broker that stays (the same issuer), named as in a {@code broker} section. */
    private static String changes(GatewayConfig.Broker a, GatewayConfig.Broker b) {
        if (!a.trustFile().equals(b.trustFile())) {
            return "broker.trust-file";
        }
        if (!a.redemptionUri().equals(b.redemptionUri()) || !a.cancelUri().equals(b.cancelUri())) {
            return "broker.redemption-url or broker.cancel-url";
        }
        return null;
    }
}
