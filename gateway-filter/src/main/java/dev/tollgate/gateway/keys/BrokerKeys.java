package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment broker's signing keys, from its JWKS, by {@code kid}: the one place verifiers ask, and the one place
 * that decides to fail closed. The work is split by job: {@link CachedKeys} holds the key set (replaced as a whole,
 * never touched by a failed fetch), {@link KeyRefresher} decides when to fetch (background refresh with backoff,
 * rate-limited on-demand fetches, all on one thread), and {@link JwksFetch} does one bounded fetch.
 *
 * <p>{@link #key(String)} does no network I/O for a known kid; for an unknown kid (or when there are no usable keys)
 * it asks for at most one on-demand fetch per {@code unknownKidRefetchInterval}: the caller that triggers it waits
 * for it, at most {@code fetchTimeout}, and callers inside the window do not trigger more and do not wait.
 *
 * <p>Fail closed: cached keys are served until {@code maxStale} past the last successful fetch; beyond that, or
 * before any successful fetch, every lookup fails with {@link ErrorCode#BROKER_UNAVAILABLE}.
 *
 * <p>A JWKS that parses but yields no usable key at all is treated as a failed fetch, not as "the broker revoked
 * everything": it is far more likely a broker misconfiguration, and the previous keys stay until {@code maxStale}.
 *
 * <p>Thread-safe.
 */
public final class BrokerKeys implements AutoCloseable {

    /** The shortest refresh interval a {@code Cache-Control: max-age} can ask for. */
    public static final Duration MIN_REFRESH = KeyRefresher.MIN_REFRESH;

    private static final Logger LOG = LoggerFactory.getLogger(BrokerKeys.class);
    private static final int MAX_KID_IN_MESSAGE = 64;

    private final BrokerKeysSettings settings;
    private final JwksFetch fetch;
    private final CachedKeys cache;
    private final KeyRefresher refresher;
    private final RateWindow missWarnings;

    /**
     * Validates the settings; does no I/O. Call {@link #start()} to fetch.
     *
     * @throws IllegalArgumentException if the JWKS URI is neither {@code https} nor {@code http} on a loopback host
     */
    public BrokerKeys(BrokerKeysSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings cannot be null.");
        this.fetch = new JwksFetch(settings);
        this.cache = new CachedKeys(settings);
        this.refresher = new KeyRefresher(settings, fetch, cache);
        this.missWarnings = new RateWindow(settings.unknownKidRefetchInterval());
    }

    /**
     * Fetches the key set once (waiting at most {@code fetchTimeout}) and schedules background refreshes. Never
     * throws because the broker is down: lookups fail closed with {@code broker_unavailable} until keys arrive, and
     * the fetch is retried in the background with backoff. Idempotent.
     */
    public void start() {
        refresher.start();
    }

    /** {@link #start()} in two steps, so that several brokers' keys are fetched at once: the first fetch begins. */
    java.util.concurrent.Future<?> begin() {
        return refresher.begin();
    }

    /** The second step of {@link #start()}: waits at most {@code fetchTimeout} for the fetch {@link #begin} began. */
    void awaitFirst(java.util.concurrent.Future<?> first) {
        refresher.awaitFirst(first);
    }

    /**
     * The broker key with this kid. No network I/O when the kid is known and the keys are not too stale.
     *
     * @throws PaymentException {@link ErrorCode#UNKNOWN_KEY} if the broker does not publish the kid (after at most one
     *         rate-limited refetch), {@link ErrorCode#BROKER_UNAVAILABLE} if there are no keys fresher than
     *         {@code maxStale}
     */
    public PublicKey key(String kid) throws PaymentException {
        Objects.requireNonNull(kid, "kid cannot be null.");
        CachedKeys.Snapshot s = cache.snapshot();
        if (s != null && cache.isFresh(s, settings.clock().instant())) {
            PublicKey key = s.keys().get(kid);
            if (key != null) {
                return key;
            }
        }
        refresher.fetchOnDemand();
        s = cache.snapshot();
        Instant now = settings.clock().instant();
        if (s == null || !cache.isFresh(s, now)) {
            throw new PaymentException(ErrorCode.BROKER_UNAVAILABLE, s == null
                    ? "the broker's signing keys are not available yet"
                    : "the broker's signing keys could not be refreshed for too long");
        }
        PublicKey key = s.keys().get(kid);
        if (key != null) {
            return key;
        }
        String shown = printable(kid);
        if (missWarnings.claim(now)) {
            LOG.warn("Scrip names kid '{}', which the broker keys from {} do not have (further misses within {} are "
                    + "not logged)", shown, settings.jwksUri(), settings.unknownKidRefetchInterval());
        }
        throw new PaymentException(ErrorCode.UNKNOWN_KEY, "no broker key with kid '" + shown + "'");
    }

    /** How many JWKS fetches were attempted (successful or not). */
    public int fetchCount() {
        return fetch.count();
    }

    /** How many JWKS fetches failed since start (unreachable, refused, or not a usable key set). */
    public long failedFetches() {
        return refresher.failures();
    }

    /** When the last successful fetch happened, by the settings' clock. */
    public Optional<Instant> lastSuccess() {
        return cache.lastSuccess();
    }

    /** The settings this instance runs with. */
    public BrokerKeysSettings settings() {
        return settings;
    }

    /** Stops background refreshes and their threads. Lookups keep answering from the cache (no more refetches). */
    @Override
    public void close() {
        refresher.close();
        fetch.close();
    }

    /**
     * Fetches now on the refresh thread and waits at most {@code fetchTimeout}, ignoring the on-demand rate limit.
     * For tests and operations.
     *
     * @return whether the fetch succeeded
     */
    boolean refreshNow() {
        return refresher.refreshNow();
    }

    /** A kid made safe for messages and logs: non-printable characters dropped, cut to 64 characters. */
    static String printable(String kid) {
        StringBuilder sb = new StringBuilder(Math.min(kid.length(), MAX_KID_IN_MESSAGE));
        for (int i = 0; i < kid.length() && sb.length() < MAX_KID_IN_MESSAGE; i++) {
            char c = kid.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
