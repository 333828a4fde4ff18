package dev.tollgate.gateway.keys;

import java.security.PublicKey;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's key set as last fetched, in an immutable map in a volatile field, replaced as a whole on every
 * successful fetch: a kid the broker stopped publishing disappears (rotation) and readers never see a half-applied
 * update; a failed fetch never touches it. (An immutable snapshot was chosen over a Caffeine cache: entries do not
 * expire one by one, the set does, and the hot path is a single {@code HashMap} lookup.) Keys are trusted until
 * {@code maxStale} after the fetch that brought them, by the settings' clock. Thread-safe.
 */
final class CachedKeys {

    /** Logged under {@link BrokerKeys}' name, which operators know. */
    private static final Logger LOG = LoggerFactory.getLogger(BrokerKeys.class);

    /** A key set and when it was fetched. */
    record Snapshot(Map<String, PublicKey> keys, Instant fetchedAt) {
    }

    private final BrokerKeysSettings settings;
    private volatile Snapshot snapshot;

    CachedKeys(BrokerKeysSettings settings) {
        this.settings = settings;
    }

    /** The last key set fetched, fresh or not; {@code null} before the first successful fetch. */
    Snapshot snapshot() {
        return snapshot;
    }

    boolean isFresh(Snapshot s, Instant now) {
        return now.isBefore(s.fetchedAt().plus(settings.maxStale()));
    }

    /** Replaces the set with what a fetch just brought; logs the kids when they changed. */
    void replace(Map<String, PublicKey> keys) {
        Snapshot previous = snapshot;
        snapshot = new Snapshot(keys, settings.clock().instant());
        if (previous == null || !previous.keys().keySet().equals(keys.keySet())) {
            LOG.info("Broker keys from {}: {}", settings.jwksUri(), keys.keySet());
        }
    }

    /** When the last successful fetch happened. */
    Optional<Instant> lastSuccess() {
        Snapshot s = snapshot;
        return s == null ? Optional.empty() : Optional.of(s.fetchedAt());
    }
}
