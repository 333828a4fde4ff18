package dev.tollgate.gateway.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment broker's signing keys, from its JWKS, by {@code kid}.
 *
 * <p>The key set lives in an immutable map in a volatile field and is replaced as a whole on every successful fetch,
 * so a kid the broker stopped publishing disappears (rotation) and readers never see a half-applied update. A
 * failed fetch never touches the cached keys. (An immutable snapshot was chosen over a Caffeine cache: entries do not
 * expire one by one, the set does, and the hot path is a single {@code HashMap} lookup.)
 *
 * <p>All fetches run on one daemon thread, so they never race. It refreshes in the background every
 * {@code refreshInterval} (or a shorter {@code Cache-Control: max-age}, floored at {@link #MIN_REFRESH}) and retries
 * failures with exponential backoff. {@link #key(String)} does no network I/O for a known kid; for an unknown kid (or
 * when there are no usable keys) it asks for at most one on-demand fetch per {@code unknownKidRefetchInterval}: the
 * caller that triggers it waits for it, at most {@code fetchTimeout}, and callers inside the window do not trigger
 * more and do not wait.
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
    public static final Duration MIN_REFRESH = Duration.ofSeconds(10);

    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(BrokerKeys.class);
    private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d{1,10})\"?",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_KID_IN_MESSAGE = 64;

    private final BrokerKeysSettings settings;
    private final Clock clock;
    private final HttpClient http;
    private final HttpRequest request;
    private final ScheduledExecutorService executor;

    private volatile Snapshot snapshot;
    private final AtomicReference<Instant> lastOnDemandFetch = new AtomicReference<>();
    private final AtomicReference<Instant> lastMissWarning = new AtomicReference<>();
    private final AtomicInteger fetchCount = new AtomicInteger();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private Duration retryDelay = FIRST_RETRY; // only touched on the executor thread

    /** The current key set and when it was fetched (by {@link BrokerKeysSettings#clock()}). */
    private record Snapshot(Map<String, PublicKey> keys, Instant fetchedAt) {
    }

    /**
     * Validates the settings; does no I/O. Call {@link #start()} to fetch.
     *
     * @throws IllegalArgumentException if the JWKS URI is neither {@code https} nor {@code http} on a loopback host
     */
    public BrokerKeys(BrokerKeysSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings cannot be null.");
        this.clock = settings.clock();
        URI uri = settings.jwksUri();
        requireSecureUri(uri);
        this.http = TrustFile.clientBuilder(settings.sslContext())
                .connectTimeout(settings.fetchTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.request = HttpRequest.newBuilder(uri)
                .timeout(settings.fetchTimeout())
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-broker-keys");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Fetches the key set once (waiting at most {@code fetchTimeout}) and schedules background refreshes. Never
     * throws because the broker is down: lookups fail closed with {@code broker_unavailable} until keys arrive, and
     * the fetch is retried in the background with backoff. Idempotent.
     */
    public void start() {
        if (closed) {
            throw new IllegalStateException("BrokerKeys is closed");
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        Future<?> first;
        try {
            first = executor.submit(this::scheduledFetch);
        } catch (RejectedExecutionException e) {
            return; // closed concurrently
        }
        try {
            first.get(settings.fetchTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("Initial broker JWKS fetch from {} did not finish within {}; retrying in the background",
                    settings.jwksUri(), settings.fetchTimeout());
        } catch (ExecutionException e) {
            LOG.warn("Initial broker JWKS fetch from {} failed", settings.jwksUri(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        Snapshot s = snapshot;
        if (s != null && isFresh(s, clock.instant())) {
            PublicKey key = s.keys().get(kid);
            if (key != null) {
                return key;
            }
        }
        fetchOnDemand();
        s = snapshot;
        Instant now = clock.instant();
        if (s == null || !isFresh(s, now)) {
            throw new PaymentException(ErrorCode.BROKER_UNAVAILABLE, s == null
                    ? "the broker's signing keys are not available yet"
                    : "the broker's signing keys could not be refreshed for too long");
        }
        PublicKey key = s.keys().get(kid);
        if (key != null) {
            return key;
        }
        String shown = printable(kid);
        if (claimWindow(lastMissWarning, now)) {
            LOG.warn("Scrip names unknown broker kid '{}' (further misses within {} are not logged)", shown,
                    settings.unknownKidRefetchInterval());
        }
        throw new PaymentException(ErrorCode.UNKNOWN_KEY, "no broker key with kid '" + shown + "'");
    }

    /** How many JWKS fetches were attempted (successful or not). */
    public int fetchCount() {
        return fetchCount.get();
    }

    /** When the last successful fetch happened, by the settings' clock. */
    public Optional<Instant> lastSuccess() {
        Snapshot s = snapshot;
        return s == null ? Optional.empty() : Optional.of(s.fetchedAt());
    }

    /** The settings this instance runs with. */
    public BrokerKeysSettings settings() {
        return settings;
    }

    /** Stops background refreshes. Lookups keep answering from the cache (no more refetches). */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }

    /**
     * Fetches now on the refresh thread and waits at most {@code fetchTimeout}, ignoring the on-demand rate limit.
     * For tests and operations.
     *
     * @return whether the fetch succeeded
     */
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

    // --- fetching -------------------------------------------------------------------------------------------------

    private void fetchOnDemand() {
        if (closed || !claimWindow(lastOnDemandFetch, clock.instant())) {
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

    /** Atomically claims a rate-limit window starting now; false if one is still open. */
    private boolean claimWindow(AtomicReference<Instant> last, Instant now) {
        Instant previous = last.get();
        if (previous != null && now.isBefore(previous.plus(settings.unknownKidRefetchInterval()))
                && !now.isBefore(previous)) {
            return false;
        }
        return last.compareAndSet(previous, now);
    }

    /** The background chain: fetch, then schedule the next refresh or a retry. Runs on the executor thread. */
    private void scheduledFetch() {
        if (closed) {
            return;
        }
        Duration next;
        try {
            OptionalLong maxAge = fetch();
            next = effectiveRefresh(maxAge, settings.refreshInterval());
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
            fetch();
            return true;
        } catch (Exception e) {
            logFailure(e, null);
            return false;
        }
    }

    private void logFailure(Exception e, Duration retryIn) {
        if (closed) {
            return;
        }
        Snapshot s = snapshot;
        String cached = s == null ? "no keys cached" : "serving keys fetched at " + s.fetchedAt();
        String retry = retryIn == null ? "" : "; retrying in " + retryIn;
        LOG.warn("Broker JWKS fetch from {} failed ({}: {}); {}{}", settings.jwksUri(),
                e.getClass().getSimpleName(), e.getMessage(), cached, retry);
    }

    /**
     * One fetch, bounded in time by {@code fetchTimeout} (a watchdog interrupts this thread, which unblocks both
     * {@code send} and a stalled body read) and in size by {@code maxResponseBytes}. Applies the result on success.
     *
     * @return the response's {@code max-age}, if any
     */
    private OptionalLong fetch() throws IOException, InterruptedException {
        fetchCount.incrementAndGet();
        Watchdog watchdog = new Watchdog(Thread.currentThread(), settings.fetchTimeout());
        byte[] body;
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP status " + response.statusCode());
                }
                OptionalLong length = response.headers().firstValueAsLong("Content-Length");
                if (length.isPresent() && length.getAsLong() > settings.maxResponseBytes()) {
                    throw new IOException("JWKS larger than " + settings.maxResponseBytes() + " bytes");
                }
                body = readBounded(in, settings.maxResponseBytes());
            }
        } catch (InterruptedException e) {
            if (watchdog.fired()) {
                throw new IOException("JWKS fetch timed out after " + settings.fetchTimeout());
            }
            throw e;
        } catch (IOException e) {
            if (watchdog.fired()) {
                throw new IOException("JWKS fetch timed out after " + settings.fetchTimeout(), e);
            }
            throw e;
        } finally {
            watchdog.disarm();
        }
        Map<String, PublicKey> keys = JwksParser.parse(body);
        if (keys.isEmpty()) {
            throw new IOException("JWKS contains no usable Ed25519 or P-256 signing key");
        }
        Snapshot previous = snapshot;
        snapshot = new Snapshot(keys, clock.instant());
        if (previous == null || !previous.keys().keySet().equals(keys.keySet())) {
            LOG.info("Broker keys from {}: {}", settings.jwksUri(), keys.keySet());
        }
        return maxAge(response.headers().firstValue("Cache-Control").orElse(null));
    }

    private static byte[] readBounded(InputStream in, int max) throws IOException {
        byte[] buffer = new byte[Math.min(max + 1, 8192)];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.min(max, 8192));
        int total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            total += n;
            if (total > max) {
                throw new IOException("JWKS larger than " + max + " bytes");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** Interrupts the fetching thread when the fetch takes too long. */
    private static final class Watchdog {
        private final Thread thread;
        private boolean done;
        private boolean fired;

        Watchdog(Thread thread, Duration timeout) {
            this.thread = thread;
            CompletableFuture.runAsync(this::fire,
                    CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS, Runnable::run));
        }

        private synchronized void fire() {
            if (!done) {
                fired = true;
                thread.interrupt();
            }
        }

        synchronized boolean fired() {
            return fired;
        }

        void disarm() {
            synchronized (this) {
                done = true;
            }
            if (fired) {
                Thread.interrupted(); // clear a pending interrupt so the next task on this thread is not hit
            }
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private boolean isFresh(Snapshot s, Instant now) {
        return now.isBefore(s.fetchedAt().plus(settings.maxStale()));
    }

    static OptionalLong maxAge(String cacheControl) {
        if (cacheControl == null) {
            return OptionalLong.empty();
        }
        Matcher m = MAX_AGE.matcher(cacheControl);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
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

    private static void requireSecureUri(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("JWKS URI must be an absolute http(s) URI with a host: " + uri);
        }
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && LoopbackHosts.isLoopbackLiteral(uri.getHost())) {
            return;
        }
        throw new IllegalArgumentException(
                "JWKS URI must use https (http is allowed only on a loopback host): " + uri);
    }
}
