package dev.tollgate.gateway.keys;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How {@link BrokerKeys} fetches and caches the broker's JWKS. Immutable; start from {@link #of(URI)} and adjust with
 * the {@code with...} methods.
 *
 * @param jwksUri where the broker publishes its JWKS; {@code https}, or {@code http} on a loopback host only
 * @param refreshInterval how often the key set is refreshed in the background; a shorter
 *        {@code Cache-Control: max-age} from the broker wins, but never below {@link BrokerKeys#MIN_REFRESH}
 * @param unknownKidRefetchInterval at most one on-demand fetch (for an unknown kid, or missing or too stale keys)
 *        per this interval, so forged kids cannot hammer the broker
 * @param maxStale how long cached keys keep being served after the last successful fetch while the broker is
 *        unreachable; beyond that the gateway fails closed
 * @param maxResponseBytes the largest JWKS body accepted
 * @param fetchTimeout bound on one fetch, and on how long a request waits for an on-demand fetch
 * @param clock the time source for staleness and rate limiting (tests inject one)
 * @param sslContext the TLS context for an {@code https} JWKS URI (see {@link TrustFile}); empty for the JDK's
 *        default trust
 */
public record BrokerKeysSettings(URI jwksUri, Duration refreshInterval, Duration unknownKidRefetchInterval,
                                 Duration maxStale, int maxResponseBytes, Duration fetchTimeout, Clock clock,
                                 Optional<SSLContext> sslContext) {

    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_STALE = Duration.ofHours(24);
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);

    public BrokerKeysSettings {
        Objects.requireNonNull(jwksUri, "jwksUri cannot be null.");
        requirePositive(refreshInterval, "refreshInterval");
        requirePositive(unknownKidRefetchInterval, "unknownKidRefetchInterval");
        requirePositive(maxStale, "maxStale");
        requirePositive(fetchTimeout, "fetchTimeout");
        if (maxResponseBytes <= 0) {
            throw new IllegalArgumentException("maxResponseBytes must be positive: " + maxResponseBytes);
        }
        Objects.requireNonNull(clock, "clock cannot be null.");
        Objects.requireNonNull(sslContext, "sslContext cannot be null.");
    }

    /** The settings without a TLS context of their own: the JDK's default trust. */
    public BrokerKeysSettings(URI jwksUri, Duration refreshInterval, Duration unknownKidRefetchInterval,
                              Duration maxStale, int maxResponseBytes, Duration fetchTimeout, Clock clock) {
        this(jwksUri, refreshInterval, unknownKidRefetchInterval, maxStale, maxResponseBytes, fetchTimeout, clock,
                Optional.empty());
    }

    /** The defaults: refresh 5 min, unknown-kid refetch 30 s, max stale 24 h, 64 KiB, 5 s timeout, UTC clock. */
    public static BrokerKeysSettings of(URI jwksUri) {
        return new BrokerKeysSettings(jwksUri, DEFAULT_REFRESH_INTERVAL, DEFAULT_UNKNOWN_KID_REFETCH_INTERVAL,
                DEFAULT_MAX_STALE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_FETCH_TIMEOUT, Clock.systemUTC());
    }

    public BrokerKeysSettings withRefreshInterval(Duration value) {
        return new BrokerKeysSettings(jwksUri, value, unknownKidRefetchInterval, maxStale, maxResponseBytes,
                fetchTimeout, clock, sslContext);
    }

    public BrokerKeysSettings withUnknownKidRefetchInterval(Duration value) {
        return new BrokerKeysSettings(jwksUri, refreshInterval, value, maxStale, maxResponseBytes, fetchTimeout,
                clock, sslContext);
    }

    public BrokerKeysSettings withMaxStale(Duration value) {
        return new BrokerKeysSettings(jwksUri, refreshInterval, unknownKidRefetchInterval, value, maxResponseBytes,
                fetchTimeout, clock, sslContext);
    }

    public BrokerKeysSettings withMaxResponseBytes(int value) {
        return new BrokerKeysSettings(jwksUri, refreshInterval, unknownKidRefetchInterval, maxStale, value,
                fetchTimeout, clock, sslContext);
    }

    public BrokerKeysSettings withFetchTimeout(Duration value) {
        return new BrokerKeysSettings(jwksUri, refreshInterval, unknownKidRefetchInterval, maxStale,
                maxResponseBytes, value, clock, sslContext);
    }

    public BrokerKeysSettings withClock(Clock value) {
        return new BrokerKeysSettings(jwksUri, refreshInterval, unknownKidRefetchInterval, maxStale,
                maxResponseBytes, fetchTimeout, value, sslContext);
    }

    /** Trust exactly what {@code value} trusts for an {@code https} JWKS URI. */
    public BrokerKeysSettings withSslContext(SSLContext value) {
        return new BrokerKeysSettings(jwksUri, refreshInterval, unknownKidRefetchInterval, maxStale,
                maxResponseBytes, fetchTimeout, clock, Optional.of(value));
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name + " cannot be null.");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
