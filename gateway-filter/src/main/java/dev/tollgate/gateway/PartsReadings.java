package dev.tollgate.gateway;

import dev.tollgate.gateway.keys.BrokerKeys;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.metrics.GatewayMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What the gauges read from a started filter's parts, at each scrape ({@link GatewayMetrics.Readings}). */
final class PartsReadings implements GatewayMetrics.Readings {

    private final GatewayParts parts;

    PartsReadings(GatewayParts parts) {
        this.parts = parts;
    }

    @Override
    public Optional<Instant> keysFetchedAt(String issuer) {
        BrokerKeys keys = parts.verification.keys(issuer);
        return keys == null ? Optional.empty() : keys.lastSuccess();
    }

    @Override
    public long keyRefreshFailures(String issuer) {
        BrokerKeys keys = parts.verification.keys(issuer);
        return keys == null ? 0 : keys.failedFetches();
    }

    @Override
    public Optional<Long> backlogMicros(String issuer) {
        try {
            return parts.settlements.statusOf(issuer).map(SettlementStatus::unsettledMicros);
        } catch (LedgerUnavailableException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Duration> backlogAge(String issuer) {
        return parts.settlements.backlogAge(issuer);
    }

    @Override
    public Instant now() {
        return parts.clock().instant();
    }
}
