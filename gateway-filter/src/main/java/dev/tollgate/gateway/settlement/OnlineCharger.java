package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.internal.TrustFile;
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
 * Never throws for what the broker does: every failure is an {@link Outcome}. Thread-safe.
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

    private static final Logger LOG = LoggerFactory.getLogger(OnlineCharger.class);
    private static final ObjectMapper JSON = new ObjectMapper();

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
     * that cannot be read.
     *
     * @param why for the log
     */
    public record Unavailable(String why) implements Outcome {
    }

    private final SellerKey key;
    private final String sellerId;
    private final String audience;
    private final Clock clock;
    private final Optional<SSLContext> trust;
    private volatile HttpClient http;

    OnlineCharger(SellerKey key, String sellerId, String audience, Clock clock, Optional<SSLContext> trust) {
        this.trust = Objects.requireNonNull(trust);
        this.key = Objects.requireNonNull(key);
        this.sellerId = Objects.requireNonNull(sellerId);
        this.audience = Objects.requireNonNull(audience);
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * Asks the broker at {@code uri} to charge {@code amountMicros} to the scrip {@code scripJti}, waiting at most
     * {@code timeout} (connection included).
     *
     * @param chargeId the charge's {@code jti}: the local receipt id
     */
    public Outcome charge(URI uri, Duration timeout, String chargeId, String scripJti, long amountMicros) {
        String jws = sign(chargeId, scripJti, amountMicros);
        HttpResponse<byte[]> response;
        try {
            response = post(uri, jws, timeout);
        } catch (IOException e) {
            return new Unavailable("cannot reach the broker at " + uri + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unavailable("interrupted");
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
                return new Unavailable("the broker answered 200 without status charged: " + abbreviate(response));
            }
            String confirmation = body.path("confirmation").asText("");
            LOG.debug("The broker confirmed charge {} on scrip {}: {}", chargeId, scripJti, confirmation);
            return new Charged(confirmation);
        }
        if (status == 409 || status == 404 || status == 403 || status == 410) {
            return new Refused(status, error);
        }
        if (status == 401 || status == 400) {
            LOG.warn("The broker refused the charge request itself ({} {}): is the seller key registered, the clock "
                    + "right?", status, abbreviate(response));
        }
        return new Unavailable("the broker answered " + status + ": " + abbreviate(response));
    }

    /** The charge request as PROTOCOL.md section 7 has it. */
    String sign(String chargeId, String scripJti, long amountMicros) {
        long iat = clock.instant().getEpochSecond();
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", sellerId);
        claims.put("aud", audience);
        claims.put("iat", iat);
        claims.put("exp", iat + LIFETIME_SECONDS);
        claims.put("jti", chargeId);
        claims.put("scrip", scripJti);
        claims.put("amount", Long.toString(amountMicros));
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
                    c = TrustFile.clientBuilder(trust).followRedirects(HttpClient.Redirect.NEVER).build();
                    http = c;
                }
            }
        }
        return c;
    }

    private static String abbreviate(HttpResponse<byte[]> response) {
        String oneLine = new String(response.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }
}
