package dev.tollgate.gateway;

import dev.tollgate.gateway.keys.BrokerKeys;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.metrics.GatewayMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gauges read from a started filter's parts, at each scrape ({@link GatewayMetrics.Readings}). The backlog's
 * amount is read from the ledger at most once per {@link #BACKLOG_READ_EVERY} per broker, whoever scrapes: the read
 * holds the ledger's database lock while it sums every unsettled scrip, and paid clicks wait on that lock.
 */
final class PartsReadings implements GatewayMetrics.Readings {

    /** How long a reading of a broker's backlog amount is given again before the ledger is read anew. */
    static final Duration BACKLOG_READ_EVERY = Duration.ofSeconds(30);

    private final GatewayParts parts;
    /** The last reading of each broker's backlog amount, by issuer: one per broker configured since the start. */
    private final Map<String, Reading> backlogs = new ConcurrentHashMap<>();

    private record Reading(Optional<Long> micros, Instant at) {
    }

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
        Instant now = now();
        Reading last = backlogs.get(issuer);
        if (last != null && now.isBefore(last.at().plus(BACKLOG_READ_EVERY)) && !now.isBefore(last.at())) {
            return last.micros();
        }
        Optional<Long> micros;
        try {
            micros = parts.settlements.statusOf(issuer).map(SettlementStatus::unsettledMicros);
        } catch (LedgerUnavailableException | RuntimeException e) {
            micros = Optional.empty();
        }
        backlogs.put(issuer, new Reading(micros, now)); // two scrapes at once may both read: harmless
        return micros;
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
