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
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the broker to confirm one charge before its content is served ({@code docs/PROTOCOL.md} section 7): a
 * seller-signed {@code tollgate-charge+jwt} POSTed to {@code broker.charge-url}. Called on the request path of online
 * rules only; the HTTP client is created at the first online charge, so a gateway without online rules pays nothing.
 * Never throws for what the broker does: every failure is an {@link Outcome}.
 *
 * <p>An answer lost on the way back (a reset, a timeout, a 5xx from a proxy) leaves the charge's outcome unknown: the
 * broker may have recorded it. The same signed request (same charge id) is then sent again, at most
 * {@value #MAX_ATTEMPTS} times within the timeout; the broker is idempotent on the charge id, so a retry gets the
 * first answer and charges once. The first attempt gets the timeout less a reserve for retries (a third of it, at
 * most {@link #RETRY_RESERVE}). Thread-safe.
 */
public final class OnlineCharger {

    static final String TYP = "tollgate-charge+jwt";
    /** Seconds a charge request stays valid: the protocol's maximum. */
    static final long LIFETIME_SECONDS = 60;
    /**
     * The answer read at most: a confirmation is a few hundred bytes (its JWS included); a longer answer is taken as
     * no answer, so the charge is refunded and the request refused with {@code broker_unavailable}.
     */
    static final int MAX_ANSWER_BYTES = 16 * 1024;
    /** Most times one charge request is sent. */
    static final int MAX_ATTEMPTS = 3;
    /** The most of the timeout kept from the first attempt for retries. */
    static final Duration RETRY_RESERVE = Duration.ofMillis(500);
    /** No retry starts with less time than this left. */
    static final Duration MIN_ATTEMPT = Duration.ofMillis(20);

    private static final Logger LOG = LoggerFactory.getLogger(OnlineCharger.class);
    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper().build();

    /** What the broker said about one charge. */
    public sealed interface Outcome {
    }

    /**
     * The broker charged the scrip: the content may be served.
     *
     * @param confirmation the broker's signed confirmation, or empty if it sent none
     */
    public record Charged(String confirmation) implements Outcome {
    }

    /**
     * The broker refused the charge for good.
     *
     * @param status the HTTP status (409, 404, 403 or 410)
     * @param reason the broker's error code, e.g. {@code insufficient_budget}; may be empty
     */
    public record Refused(int status, String reason) implements Outcome {
    }

    /**
     * No usable answer: a timeout, a connection error, a 5xx, a refusal of the request itself (401/400) or an answer
     * that cannot be read, also after the retries. The broker may have recorded the charge: void it.
     *
     * @param why for the log
     */
    public record Unavailable(String why) implements Outcome {
    }

    /** One attempt's outcome, and whether sending the same request again may get a usable answer. */
    private record Attempt(Outcome outcome, boolean retry) {
    }

    private final SellerKey key;
    private final String sellerId;
    private final String audience;
    private final Clock clock;
    private final Optional<SSLContext> trust;
    private final ClientThreads httpThreads;
    /** The {@code ledger} of every charge, or {@code null} for a seller's single ledger. */
    private final String ledgerId;
    private volatile HttpClient http;

    /**
     * {@code httpThreads}: where its HTTP client runs, which the caller owns and closes; {@code ledgerId}: the
     * charging ledger's id when the seller settles from several ({@link
     * dev.tollgate.gateway.ledger.Ledger#settlementLedgerId}).
     */
    OnlineCharger(SellerKey key, String sellerId, String audience, Clock clock, Optional<SSLContext> trust,
                  ClientThreads httpThreads, Optional<String> ledgerId) {
        this.ledgerId = ledgerId.orElse(null);
        this.httpThreads = Objects.requireNonNull(httpThreads);
        this.trust = Objects.requireNonNull(trust);
        this.key = Objects.requireNonNull(key);
        this.sellerId = Objects.requireNonNull(sellerId);
        this.audience = Objects.requireNonNull(audience);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * Asks the broker at {@code uri} to charge {@code amountMicros} to the scrip {@code scripJti}, waiting at most
     * {@code timeout} in all (connections and retries included).
     *
     * @param chargeId the charge's {@code jti}: the local receipt id
     */
    public Outcome charge(URI uri, Duration timeout, String chargeId, String scripJti, long amountMicros) {
        String jws = sign(chargeId, scripJti, amountMicros);
        long start = System.nanoTime();
        long total = timeout.toNanos();
        long first = total - Math.min(total / 3, RETRY_RESERVE.toNanos());
        for (int attempt = 1; ; attempt++) {
            long left = total - (System.nanoTime() - start);
            Attempt a = attempt(uri, jws, Duration.ofNanos(attempt == 1 ? first : left), chargeId, scripJti);
            if (!a.retry() || attempt == MAX_ATTEMPTS || total - (System.nanoTime() - start) < MIN_ATTEMPT.toNanos()) {
                return a.outcome();
            }
            LOG.debug("Sending online charge {} again: {}", chargeId, ((Unavailable) a.outcome()).why());
        }
    }

    private Attempt attempt(URI uri, String jws, Duration timeout, String chargeId, String scripJti) {
        HttpResponse<byte[]> response;
        try {
            response = post(uri, jws, timeout);
        } catch (IOException e) {
            return new Attempt(new Unavailable(NetworkFailure.cannotReachBroker(uri, e)), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(new Unavailable("interrupted"), false);
        }
        int status = response.statusCode();
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        String error = body == null ? "" : body.path("error").asText("");
        if (status == 200) {
            if (body == null || !"charged".equals(body.path("status").asText())) {
                return new Attempt(new Unavailable("the broker answered 200 without status charged: "
                        + abbreviate(response)), true);
            }
            String confirmation = body.path("confirmation").asText("");
            LOG.debug("The broker confirmed charge {} on scrip {}: {}", chargeId, scripJti, confirmation);
            return new Attempt(new Charged(confirmation), false);
        }
        if (status == 409 || status == 404 || status == 403 || status == 410) {
            return new Attempt(new Refused(status, error), false);
        }
        if (status == 401 || status == 400) {
            LOG.warn("The broker refused the charge request itself ({} {}): is the seller key registered, the clock "
                    + "right?", status, abbreviate(response));
        }
        return new Attempt(new Unavailable("the broker answered " + status + ": " + abbreviate(response)),
                status >= 500);
    }

    /** The charge request as PROTOCOL.md section 7 has it. */
    String sign(String chargeId, String scripJti, long amountMicros) {
        ObjectNode claims = SellerKey.claims(sellerId, audience, clock.instant().getEpochSecond(), LIFETIME_SECONDS);
        claims.put("jti", chargeId);
        claims.put("scrip", scripJti);
        claims.put("amount", Long.toString(amountMicros));
        if (ledgerId != null) {
            claims.put("ledger", ledgerId);
        }
        return key.signJws(TYP, claims);
    }

    private HttpResponse<byte[]> post(URI uri, String jws, Duration timeout) throws IOException, InterruptedException {
        return JosePost.post(client(), uri, jws, timeout, MAX_ANSWER_BYTES);
    }

    private HttpClient client() {
        HttpClient c = http;
        if (c == null) {
            synchronized (this) {
                c = http;
                if (c == null) {
                    c = httpThreads.client(TrustFile.clientBuilder(trust).followRedirects(HttpClient.Redirect.NEVER));
                    http = c;
                }
            }
        }
        return c;
    }

    private static String abbreviate(HttpResponse<byte[]> response) {
        return JosePost.abbreviate(new String(response.body(), StandardCharsets.UTF_8));
    }
}
