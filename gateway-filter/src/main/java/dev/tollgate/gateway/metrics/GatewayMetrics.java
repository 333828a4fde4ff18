package dev.tollgate.gateway.metrics;

import dev.tollgate.gateway.GatewayConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The meters of one filter: the request path's ({@link #requests}, one set per config in force), the gauges of each
 * configured broker (read lazily at each scrape from {@link Readings}), and the config reloads. The names and tags
 * are listed in README.md, "Monitoring"; no tag ever holds a buyer, scrip, path or token. Thread-safe.
 */
public interface GatewayMetrics extends AutoCloseable {

    /** Micrometer's global registry's class: present only where the app has Micrometer. */
    String MICROMETER_CLASS = "io.micrometer.core.instrument.Metrics";

    /** What the gauges read from the filter's own state, at each scrape; never on the request path. */
    interface Readings {
        /** When the keys of the broker {@code issuer} were last fetched; empty if never (or it is not trusted). */
        Optional<Instant> keysFetchedAt(String issuer);

        /** How many fetches of the broker {@code issuer}'s keys failed since they were started. */
        long keyRefreshFailures(String issuer);

        /** What the broker {@code issuer} still owes in micro-units, read from the ledger; empty if unreadable. */
        Optional<Long> backlogMicros(String issuer);

        /** How long the oldest charge still unsettled at the broker {@code issuer} has waited; empty if none waits. */
        Optional<Duration> backlogAge(String issuer);

        /** Now, by the filter's clock. */
        Instant now();
    }

    /**
     * Micrometer meters in {@code registry} (a {@code MeterRegistry}); with none, in Micrometer's global registry if
     * Micrometer is on the class path, else no-ops.
     */
    static GatewayMetrics create(Object registry, String currency, Readings readings) {
        if (registry == null) {
            if (!micrometerPresent()) {
                return new NoMetrics();
            }
            return MicrometerMetrics.global(currency, readings);
        }
        return new MicrometerMetrics(registry, currency, readings);
    }

    private static boolean micrometerPresent() {
        try {
            Class.forName(MICROMETER_CLASS, false, GatewayMetrics.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The request path's meters for {@code config}, whose rules are its {@code rule} tags. */
    RequestMeters requests(GatewayConfig config);

    /** Gauges for each broker of {@code config}; those of brokers no longer in it are removed. */
    void brokers(GatewayConfig config);

    /** A changed config file was applied ({@code accepted}) or refused. */
    void reloaded(boolean accepted);

    /** Removes this filter's meters from the registry (they read the filter's state, which is going). */
    @Override
    void close();
}
