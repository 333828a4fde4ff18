package dev.tollgate.gateway.config;

import dev.tollgate.gateway.GatewayConfig;
import java.util.Objects;

/**
 * Settings that a running gateway cannot take over: they name the store charges are in or what verified
 * credentials were checked against. Prices, descriptions and display names apply live.
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
            return "ledger.store or its uri, username, password-file, command-timeout, wait-replicas";
        }
        if (running.brokers().size() != next.brokers().size()) {
            return "brokers (adding or removing one)";
        }
        for (int i = 0; i < running.brokers().size(); i++) {
            String changed = changes(running.brokers().get(i), next.brokers().get(i));
            if (changed != null) {
                return running.brokers().size() == 1 ? changed : changed.replace("broker.", "brokers[" + i + "].");
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

    /** The first restart-only setting of one broker that differs, named as in a {@code broker} section. */
    private static String changes(GatewayConfig.Broker a, GatewayConfig.Broker b) {
        if (!a.issuer().equals(b.issuer()) || !a.jwksUri().equals(b.jwksUri())) {
            return "broker.issuer or broker.jwks-url";
        }
        if (!Objects.equals(a.keyRefresh(), b.keyRefresh()) || !a.unknownKidRefetch().equals(b.unknownKidRefetch())
                || !a.maxStale().equals(b.maxStale()) || !a.clockSkew().equals(b.clockSkew())) {
            return "broker.key-refresh, unknown-kid-refetch, max-stale or clock-skew";
        }
        if (!a.trustFile().equals(b.trustFile())) {
            return "broker.trust-file";
        }
        if (!a.redemptionUri().equals(b.redemptionUri()) || !a.cancelUri().equals(b.cancelUri())) {
            return "broker.redemption-url or broker.cancel-url";
        }
        return null;
    }
}
