package dev.tollgate.gateway;

import dev.tollgate.gateway.keys.BrokerKeys;
import dev.tollgate.gateway.metrics.LedgerWrites;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the checks of {@link Health} on a started filter's parts. Reads no ledger and sends nothing: the keys' last
 * fetch, the ledger's last charge ({@link LedgerWrites}), the settlement backlog's age and the last reload are all
 * kept in memory, so a load balancer may ask as often as it likes.
 */
final class HealthChecks {

    private HealthChecks() {
    }

    static Health of(GatewayParts parts, GatewayConfig config, LedgerWrites ledger, String lastReloadProblem) {
        Instant now = parts.clock().instant();
        Map<String, Health.Check> checks = new LinkedHashMap<>();
        for (GatewayConfig.Broker broker : config.brokers()) {
            checks.put(Health.KEYS + broker.id(), keys(parts.verification.keys(broker.issuer()), broker, now));
        }
        checks.put(Health.LEDGER, ledger.failingSince()
                .map(since -> down("charges fail since " + since + " (ledger_unavailable)"))
                .orElseGet(() -> up("no charge failed in the last " + LedgerWrites.FAILURE_EXPIRY)));
        Duration bound = config.settlement().maxBacklogAge();
        for (GatewayConfig.Broker broker : config.brokers()) {
            Optional<Duration> age = parts.settlements.backlogAge(broker.issuer());
            checks.put("settlement:" + broker.id(), age.isEmpty() ? up("nothing waits")
                    : age.get().compareTo(bound) > 0
                    ? down("the oldest unsettled charge has waited " + age.get() + ", more than "
                            + "settlement.max-backlog-age " + bound)
                    : up("the oldest unsettled charge has waited " + age.get()));
        }
        checks.put("config", lastReloadProblem == null ? up("the last change was applied (or none was made)")
                : down("the last change of the config file was refused; the previous config runs"));
        return Health.of(checks);
    }

    private static Health.Check keys(BrokerKeys keys, GatewayConfig.Broker broker, Instant now) {
        Optional<Instant> fetched = keys == null ? Optional.empty() : keys.lastSuccess();
        if (fetched.isEmpty()) {
            return down("no keys fetched yet");
        }
        Duration age = Duration.between(fetched.get(), now);
        if (age.compareTo(broker.maxStale()) >= 0) {
            return down("keys fetched " + age + " ago, stale past max-stale " + broker.maxStale());
        }
        return up("keys fetched " + age + " ago");
    }

    private static Health.Check up(String detail) {
        return new Health.Check(Health.Status.UP, detail);
    }

    private static Health.Check down(String detail) {
        return new Health.Check(Health.Status.DOWN, detail);
    }
}
