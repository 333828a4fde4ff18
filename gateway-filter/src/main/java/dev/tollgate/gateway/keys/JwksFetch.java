package dev.tollgate.gateway.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.PublicKey;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One GET of the broker's JWKS, bounded in time by {@code fetchTimeout} (a {@link FetchWatchdog} interrupts the
 * thread, which unblocks both {@code send} and a stalled body read) and in size by {@code maxResponseBytes}, parsed
 * by {@link JwksParser}. It neither caches nor retries: {@link KeyRefresher} decides when to fetch and
 * {@link CachedKeys} keeps the result. Safe to call from one thread at a time (the refresher's). Owns the watchdog's
 * thread, started with the first fetch and stopped by {@link #close()}.
 */
final class JwksFetch implements AutoCloseable {

    /** What a successful fetch yields: the usable keys by kid and the response's {@code max-age}, if any. */
    record Fetched(Map<String, PublicKey> keys, OptionalLong maxAge) {
    }

    private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d{1,10})\"?",
            Pattern.CASE_INSENSITIVE);

    private final BrokerKeysSettings settings;
    private final HttpClient http;
    private final HttpRequest request;
    private final AtomicInteger fetchCount = new AtomicInteger();
    private final ScheduledExecutorService watchdogs;
    private final ClientThreads httpThreads = ClientThreads.start("tollgate-broker-keys-http");

    /** @throws IllegalArgumentException if the JWKS URI is neither {@code https} nor {@code http} on a loopback host */
    JwksFetch(BrokerKeysSettings settings) {
        this.settings = settings;
        URI uri = settings.jwksUri();
        requireSecureUri(uri);
        this.http = httpThreads.client(TrustFile.clientBuilder(settings.sslContext())
                .connectTimeout(settings.fetchTimeout())
                .followRedirects(HttpClient.Redirect.NEVER));
        this.request = HttpRequest.newBuilder(uri)
                .timeout(settings.fetchTimeout())
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tollgate-broker-keys-watchdog");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true); // a disarmed watchdog is dropped at once, not kept until its timeout
        this.watchdogs = Executors.unconfigurableScheduledExecutorService(scheduler);
    }

    /** Stops the watchdog's and the HTTP client's threads; a fetch after this fails. */
    @Override
    public void close() {
        watchdogs.shutdownNow();
        httpThreads.close();
    }

    /** How many fetches were attempted (successful or not). */
    int count() {
        return fetchCount.get();
    }

    /**
     * Fetches and parses the key set.
     *
     * @throws IOException if the broker did not answer 200 in time with at most {@code maxResponseBytes} of a JWKS
     *         holding at least one usable key: a set without one is far more likely a broker misconfiguration than
     *         "the broker revoked everything", so it fails like an unreachable broker
     */
    Fetched fetch() throws IOException, InterruptedException {
        fetchCount.incrementAndGet();
        FetchWatchdog watchdog;
        try {
            watchdog = new FetchWatchdog(Thread.currentThread(), settings.fetchTimeout(), watchdogs);
        } catch (RejectedExecutionException e) {
            throw new IOException("JWKS fetch after the broker keys were closed", e);
        }
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
        return new Fetched(keys, maxAge(response.headers().firstValue("Cache-Control").orElse(null)));
    }

    private static byte[] readBounded(InputStream in, int max) throws IOException {
        byte[] buffer = new byte[Math.min(max + 1, 8192)];
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 8192));
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

    /** The {@code max-age} of a {@code Cache-Control} header, in seconds, if it has one. */
    static OptionalLong maxAge(String cacheControl) {
        if (cacheControl == null) {
            return OptionalLong.empty();
        }
        Matcher m = MAX_AGE.matcher(cacheControl);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
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
