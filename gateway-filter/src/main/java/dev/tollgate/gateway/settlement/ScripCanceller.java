package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.keys.ClientThreads;
import dev.tollgate.gateway.keys.NetworkFailure;
import dev.tollgate.gateway.keys.TrustFile;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the broker to return the whole budget of scrip the gateway will never charge ({@code docs/PROTOCOL.md}
 * section 10, "Cancelling scrip"): a seller-signed {@code tollgate-cancel+jwt} POSTed to {@code broker.cancel-url}.
 * The caller has closed the scrip in the ledger first ({@code Ledger.closeUnused}), so it can never be charged here
 * whatever happens to the request.
 *
 * <p>The first attempt waits at most {@link #FIRST_ATTEMPT_TIMEOUT}, so the buyer's page can say what happened. If
 * the broker cannot be reached or fails, the cancel is retried in the background (from {@link #FIRST_RETRY}, doubling
 * up to {@link #MAX_RETRY_DELAY}, for at most {@link #RETRY_FOR}), at most {@link #MAX_RETRIES} cancels at a time.
 * Retries are kept in memory only: a cancel that a restart or the bound drops costs no money, since the broker
 * returns every unredeemed budget at the scrip's expiry plus its settlement grace anyway; it only returns later.
 * Never throws for what the broker does. Thread-safe.
 */
public final class ScripCanceller implements AutoCloseable {

    static final String TYP = "tollgate-cancel+jwt";
    /** Seconds a cancel request stays valid; each attempt signs a new one. */
    static final long LIFETIME_SECONDS = 60;
    /** How long the buyer's page waits for the first attempt. */
    public static final Duration FIRST_ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    static final Duration RETRY_TIMEOUT = Duration.ofSeconds(10);
    static final Duration FIRST_RETRY = Duration.ofSeconds(2);
    static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);
    /** How long a cancel is retried: past the scrip's lifetime, since the broker's grace keeps it reserved longer. */
    static final Duration RETRY_FOR = Duration.ofHours(24);
    /** The most cancels waiting for a retry; more are left to the expiry return. */
    static final int MAX_RETRIES = 10_000;

    /** The answer read at most: a cancel's answer is a few hundred bytes; a longer one counts as none (retried). */
    static final int MAX_ANSWER_BYTES = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ScripCanceller.class);
    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper().build();

    /** What became of a cancel. */
    public enum Outcome {
        /** The broker returned the budget to the buyer (now or before). */
        RETURNED,
        /** The broker could not be asked or failed; retried in the background, else returned at expiry. */
        PENDING,
        /** The broker will not return it (a charge or redemption on it, another seller's, unknown): final. */
        REFUSED
    }

    private final SellerKey key;
    private final String sellerId;
    private final String audience;
    private final URI uri;
    private final Clock clock;
    private final HttpClient http;
    private final AtomicInteger retrying = new AtomicInteger();
    private final Duration firstRetry;
    private volatile ScheduledExecutorService retries;
    private volatile boolean closed;

    /** {@code httpThreads}: where its HTTP client runs, which the caller owns and closes after {@link #close()}. */
    ScripCanceller(SellerKey key, String sellerId, String audience, URI uri, Clock clock, Optional<SSLContext> trust,
                   ClientThreads httpThreads, Duration firstRetry) {
        this.key = Objects.requireNonNull(key);
        this.sellerId = Objects.requireNonNull(sellerId);
        this.audience = Objects.requireNonNull(audience);
        this.uri = Objects.requireNonNull(uri);
        this.clock = Objects.requireNonNull(clock);
        this.firstRetry = Objects.requireNonNull(firstRetry);
        this.http = httpThreads.client(TrustFile.clientBuilder(trust).connectTimeout(RETRY_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER));
    }

    /** Asks the broker to return the budget of the scrip {@code jti}, now and, if that fails, later. */
    public Outcome cancel(String jti) {
        Outcome outcome = attempt(jti, FIRST_ATTEMPT_TIMEOUT);
        if (outcome == Outcome.PENDING) {
            retryLater(jti, clock.instant().plus(RETRY_FOR), firstRetry);
        }
        return outcome;
    }

    private Outcome attempt(String jti, Duration timeout) {
        HttpResponse<byte[]> response;
        try {
            response = JosePost.post(http, uri, sign(jti), timeout, MAX_ANSWER_BYTES);
        } catch (IOException e) {
            LOG.debug("Could not reach the broker to cancel scrip {} ({})", jti, NetworkFailure.describe(uri, e));
            return Outcome.PENDING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.PENDING;
        }
        int status = response.statusCode();
        if (status == 200) {
            LOG.info("The broker returned the budget of scrip {} to its buyer", jti);
            return Outcome.RETURNED;
        }
        String error;
        try {
            JsonNode body = JSON.readTree(response.body());
            error = body == null ? "" : body.path("error").asText("");
        } catch (IOException e) {
            error = "";
        }
        if (status == 409 || status == 404 || status == 403) {
            LOG.warn("The broker will not return the budget of scrip {}: {} {}", jti, status, error);
            return Outcome.REFUSED;
        }
        LOG.warn("The broker refused to cancel scrip {} ({} {}); retrying", jti, status, error);
        return Outcome.PENDING;
    }

    private void retryLater(String jti, Instant giveUpAt, Duration delay) {
        if (closed || retrying.incrementAndGet() > MAX_RETRIES) {
            retrying.decrementAndGet();
            LOG.warn("Not retrying the cancel of scrip {}: its budget returns to its buyer at its expiry", jti);
            return;
        }
        executor().schedule(() -> {
            retrying.decrementAndGet();
            if (closed) {
                return;
            }
            Outcome outcome = attempt(jti, RETRY_TIMEOUT);
            if (outcome == Outcome.PENDING && clock.instant().isBefore(giveUpAt)) {
                Duration next = delay.multipliedBy(2);
                retryLater(jti, giveUpAt, next.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : next);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ScheduledExecutorService executor() {
        ScheduledExecutorService e = retries;
        if (e == null) {
            synchronized (this) {
                e = retries;
                if (e == null) {
                    ScheduledThreadPoolExecutor created = new ScheduledThreadPoolExecutor(1, r -> {
                        Thread t = new Thread(r, "tollgate-scrip-cancels-" + sellerId);
                        t.setDaemon(true);
                        return t;
                    });
                    created.setRemoveOnCancelPolicy(true);
                    retries = e = created;
                }
            }
        }
        return e;
    }

    /** How many cancels wait for a retry. */
    int retrying() {
        return retrying.get();
    }

    /** The cancel request as PROTOCOL.md section 10 has it. */
    String sign(String scripJti) {
        ObjectNode claims = SellerKey.claims(sellerId, audience, clock.instant().getEpochSecond(), LIFETIME_SECONDS);
        claims.put("jti", SellerKey.randomId());
        claims.put("scrip", scripJti);
        return key.signJws(TYP, claims);
    }

    /** Stops retrying; cancels still waiting are returned at the scrip's expiry. */
    @Override
    public void close() {
        closed = true;
        ScheduledExecutorService e = retries;
        if (e != null) {
            e.shutdownNow();
        }
    }
}
