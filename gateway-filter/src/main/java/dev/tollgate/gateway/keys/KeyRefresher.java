package dev.tollgate.gateway.keys;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the broker's keys are fetched: all fetches run on one daemon thread, so they never race. In the background
 * every {@code refreshInterval} (or a shorter {@code Cache-Control: max-age}, floored at {@link #MIN_REFRESH}),
 * failures retried with exponential backoff from {@link #FIRST_RETRY} up to {@link #MAX_RETRY} (or the refresh
 * interval if shorter); on demand at most once per {@code unknownKidRefetchInterval}, the caller that triggers it
 * waiting at most {@code fetchTimeout} and callers inside the window neither triggering more nor waiting. Each
 * fetch is a {@link JwksFetch}; a successful one replaces the {@link CachedKeys}. Thread-safe.
 */
final class KeyRefresher {

    /** The shortest refresh interval a {@code Cache-Control: max-age} can ask for. */
    static final Duration MIN_REFRESH = Duration.ofSeconds(10);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);

    /** Logged under {@link BrokerKeys}' name, which operators know. */
    private static final Logger LOG = LoggerFactory.getLogger(BrokerKeys.class);

    private final BrokerKeysSettings settings;
    private final JwksFetch fetch;
    private final CachedKeys cache;
    private final RateWindow onDemand;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean started = new AtomicBoolean();
    /** Fetches that failed since start, for the metrics. */
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private Duration retryDelay = FIRST_RETRY; // only touched on the executor thread

    KeyRefresher(BrokerKeysSettings settings, JwksFetch fetch, CachedKeys cache) {
        this.settings = settings;
        this.fetch = fetch;
        this.cache = cache;
        this.onDemand = new RateWindow(settings.unknownKidRefetchInterval());
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-broker-keys");
            t.setDaemon(true);
            return t;
        });
    }

    /** The first fetch (waited for at most {@code fetchTimeout}), then the background chain. Idempotent. */
    void start() {
        awaitFirst(begin());
    }

    /**
     * Starts the first fetch, then the background chain, without waiting: several brokers' keys are fetched at once.
     * Idempotent.
     *
     * @return the first fetch, for {@link #awaitFirst}; {@code null} if it was started before or closed meanwhile
     */
    Future<?> begin() {
        if (closed) {
            throw new IllegalStateException("BrokerKeys is closed");
        }
        if (!started.compareAndSet(false, true)) {
            return null;
        }
        try {
            return executor.submit(this::scheduledFetch);
        } catch (RejectedExecutionException e) {
            return null; // closed concurrently
        }
    }

    /** Waits at most {@code fetchTimeout} for the first fetch {@link #begin} started; logs if it failed or is late. */
    void awaitFirst(Future<?> first) {
        if (first == null) {
            return;
        }
        try {
            first.get(settings.fetchTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("Initial broker JWKS fetch from {} did not finish within {}; retrying in the background",
                    settings.jwksUri(), settings.fetchTimeout());
        } catch (ExecutionException e) {
            LOG.warn("Initial broker JWKS fetch from {} failed ({})", settings.jwksUri(),
                    NetworkFailure.describe(settings.jwksUri(), e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A fetch for a caller that lacks a key, unless one was asked for within the window; waits for it. */
    void fetchOnDemand() {
        if (closed || !onDemand.claim(settings.clock().instant())) {
            return; // someone else fetched (or is fetching) within the window
        }
        Future<Boolean> f;
        try {
            f = executor.submit(this::fetchAndApply);
        } catch (RejectedExecutionException e) {
            return;
        }
        try {
            f.get(settings.fetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the fetch logs its own failure; the caller answers from whatever is cached
        }
    }

    /** A fetch now, ignoring the on-demand window; waits at most {@code fetchTimeout}. Whether it succeeded. */
    boolean refreshNow() {
        try {
            return executor.submit(this::fetchAndApply)
                    .get(settings.fetchTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            return false;
        }
    }

    /** Stops the background chain and on-demand fetches. */
    void close() {
        closed = true;
        executor.shutdownNow();
    }

    /** The background chain: fetch, then schedule the next refresh or a retry. Runs on the executor thread. */
    private void scheduledFetch() {
        if (closed) {
            return;
        }
        Duration next;
        try {
            JwksFetch.Fetched fetched = fetch.fetch();
            cache.replace(fetched.keys());
            next = effectiveRefresh(fetched.maxAge(), settings.refreshInterval());
            retryDelay = FIRST_RETRY;
        } catch (Exception e) {
            next = retryDelay;
            Duration doubled = retryDelay.multipliedBy(2);
            Duration cap = settings.refreshInterval().compareTo(MAX_RETRY) < 0 ? settings.refreshInterval()
                    : MAX_RETRY;
            retryDelay = doubled.compareTo(cap) > 0 ? cap : doubled;
            logFailure(e, next);
        }
        try {
            executor.schedule(this::scheduledFetch, next.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private boolean fetchAndApply() {
        try {
            cache.replace(fetch.fetch().keys());
            return true;
        } catch (Exception e) {
            logFailure(e, null);
            return false;
        }
    }

    /** How many fetches failed since start. */
    long failures() {
        return failures.get();
    }

    /** Counts a failed fetch and logs it. */
    private void logFailure(Exception e, Duration retryIn) {
        failures.incrementAndGet();
        if (closed) {
            return;
        }
        CachedKeys.Snapshot s = cache.snapshot();
        String cached = s == null ? "no keys cached" : "serving keys fetched at " + s.fetchedAt();
        String retry = retryIn == null ? "" : "; retrying in " + retryIn;
        LOG.warn("Broker JWKS fetch from {} failed ({}); {}{}", settings.jwksUri(),
                NetworkFailure.describe(settings.jwksUri(), e), cached, retry);
    }

    /** The configured interval, or a shorter max-age, but never below {@link #MIN_REFRESH}. */
    static Duration effectiveRefresh(OptionalLong maxAgeSeconds, Duration refreshInterval) {
        if (maxAgeSeconds.isEmpty()) {
            return refreshInterval;
        }
        Duration maxAge = Duration.ofSeconds(maxAgeSeconds.getAsLong());
        Duration floored = maxAge.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH : maxAge;
        return floored.compareTo(refreshInterval) < 0 ? floored : refreshInterval;
    }
}
