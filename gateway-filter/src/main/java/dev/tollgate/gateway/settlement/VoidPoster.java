package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.keys.NetworkFailure;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.PendingVoid;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends voids of online charges to the broker ({@code docs/PROTOCOL.md} section 7): {@value #MAX_PER_REQUEST} per
 * seller-signed {@code tollgate-void+jwt} POSTed to {@code broker.charge-url} plus {@code /void}, takes out of the
 * ledger's outbox what the broker confirmed, and backs off while the broker does not answer. The HTTP side of
 * {@link OnlineVoids}, which decides what to send. Used by the settler's thread only.
 */
final class VoidPoster {

    static final String TYP = "tollgate-void+jwt";
    /** Most charge ids in one void request: the broker's limit. */
    static final int MAX_PER_REQUEST = 100;
    /** The answer read at most: a few hundred bytes, plus one result of under 100 bytes per void sent. */
    static final int ANSWER_BYTES = 16 * 1024;
    static final int ANSWER_BYTES_PER_VOID = 512;
    /** Seconds a void request stays valid: as a batch. */
    static final long LIFETIME_SECONDS = BatchSigner.LIFETIME_SECONDS;

    /** Logged as the outbox's: the logs read as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(OnlineVoids.class);
    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper().build();

    private final Ledger ledger;
    private final SellerKey key;
    private final String sellerId;
    private final String audience;
    private final Clock clock;
    private final HttpClient http;
    private final IntToLongFunction backoffNanos;
    private volatile URI voidUri;
    private int failures;
    private long notBeforeNanos;

    /** {@code backoffNanos}: the wait after so many failures in a row (the settler's backoff). */
    VoidPoster(Ledger ledger, SellerKey key, String sellerId, String audience, Clock clock, HttpClient http,
               IntToLongFunction backoffNanos) {
        this.ledger = Objects.requireNonNull(ledger);
        this.key = Objects.requireNonNull(key);
        this.sellerId = Objects.requireNonNull(sellerId);
        this.audience = Objects.requireNonNull(audience);
        this.clock = Objects.requireNonNull(clock);
        this.http = Objects.requireNonNull(http);
        this.backoffNanos = Objects.requireNonNull(backoffNanos);
    }

    /** Where online charges are POSTed ({@code broker.charge-url}, live on reload): voids go to it plus {@code /void}. */
    void chargeUri(URI chargeUri) {
        String base = chargeUri.toString();
        voidUri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/void");
    }

    /**
     * Sends {@code ready} (unless no charge URL is set or backing off after a failure), stopping at the first request
     * that fails, and returns the receipt ids the broker confirmed; they are out of the ledger's outbox.
     *
     * @throws LedgerUnavailableException if a confirmed void cannot be taken out of the outbox
     */
    Set<String> send(List<PendingVoid> ready, Duration timeout) throws LedgerUnavailableException {
        Set<String> confirmed = new HashSet<>();
        URI uri = voidUri;
        if (uri != null && System.nanoTime() - notBeforeNanos >= 0) {
            for (int from = 0; from < ready.size(); from += MAX_PER_REQUEST) {
                if (!post(uri, ready.subList(from, Math.min(ready.size(), from + MAX_PER_REQUEST)), timeout,
                        confirmed)) {
                    break;
                }
            }
        }
        return confirmed;
    }

    /** POSTs one void request; records what the broker confirmed. {@code false} if it failed (backs off). */
    private boolean post(URI uri, List<PendingVoid> voids, Duration timeout, Set<String> confirmed)
            throws LedgerUnavailableException {
        HttpResponse<byte[]> response;
        try {
            response = JosePost.post(http, uri, sign(voids), timeout,
                    ANSWER_BYTES + ANSWER_BYTES_PER_VOID * voids.size());
        } catch (IOException e) {
            return failed(NetworkFailure.cannotReachBroker(uri, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        JsonNode results;
        try {
            results = response.statusCode() == 200 ? JSON.readTree(body).path("results") : null;
        } catch (IOException e) {
            results = null;
        }
        if (results == null || !results.isArray()) {
            return failed("the broker answered " + response.statusCode() + ": " + JosePost.abbreviate(body));
        }
        Map<String, PendingVoid> sent = new HashMap<>();
        voids.forEach(v -> sent.put(v.receiptId(), v));
        for (JsonNode result : results) {
            PendingVoid v = sent.remove(result.path("charge").asText());
            String status = result.path("status").asText();
            if (v == null) {
                continue;
            }
            if (status.equals("voided") || status.equals("unchanged") || status.equals("not_charged")) {
                ledger.voidConfirmed(v.receiptId());
                confirmed.add(v.receiptId());
                LOG.debug("The broker confirmed the void of online charge {}: {}", v.receiptId(), status);
            } else {
                LOG.warn("The broker answered the void of online charge {} with an unknown status: {}",
                        v.receiptId(), JacksonBuffers.text(result));
            }
        }
        if (failures > 0) {
            LOG.info("Online voids reach the broker again after {} failed attempts", failures);
        }
        failures = 0;
        notBeforeNanos = System.nanoTime();
        return true;
    }

    private boolean failed(String why) {
        int count = ++failures;
        notBeforeNanos = System.nanoTime() + backoffNanos.applyAsLong(count);
        if (count == 1) {
            LOG.warn("Online voids failed: {}; retrying with backoff (logged once until they succeed again)", why);
        } else {
            LOG.debug("Online voids failed again ({} in a row): {}", count, why);
        }
        return false;
    }

    /** The void request as PROTOCOL.md section 7 has it. */
    String sign(List<PendingVoid> voids) {
        ObjectNode claims = SellerKey.claims(sellerId, audience, clock.instant().getEpochSecond(), LIFETIME_SECONDS);
        claims.put("jti", SellerKey.randomId());
        ArrayNode charges = claims.putArray("charges");
        voids.forEach(v -> charges.add(v.receiptId()));
        return key.signJws(TYP, claims);
    }
}
