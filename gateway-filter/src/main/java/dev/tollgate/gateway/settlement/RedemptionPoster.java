package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.keys.NetworkFailure;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The third step of a settlement pass: POSTs a signed batch to {@code settlement.redemption-url} ({@link JosePost}:
 * the whole exchange bounded by the timeout, the answer by a size) and returns the broker's per-claim
 * {@code results}. Anything else (no answer, a status other than 200, an answer too long, not JSON or without
 * results) fails the whole batch. Thread-safe.
 */
final class RedemptionPoster {

    /**
     * The answer to a batch read at most: 16 KiB, and 1 KiB per claim sent (a result names a scrip's {@code jti} of
     * at most 128 characters, or a commitment id, with its status and amounts: about 150 bytes). A longer answer fails
     * the batch like an unreachable broker.
     */
    static final int ANSWER_BYTES = 16 * 1024;
    static final int ANSWER_BYTES_PER_CLAIM = 1024;

    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper().build();

    private final HttpClient http;
    private final URI uri;

    RedemptionPoster(HttpClient http, URI redemptionUri) {
        this.http = Objects.requireNonNull(http);
        this.uri = Objects.requireNonNull(redemptionUri);
    }

    /**
     * POSTs the batch {@code jws} of {@code claims} claims.
     *
     * @return the broker's {@code results}, a JSON array
     * @throws SettlementFailure if the broker did not answer with results
     */
    JsonNode post(String jws, int claims, Duration timeout) throws SettlementFailure {
        HttpResponse<byte[]> response;
        try {
            response = JosePost.post(http, uri, jws, timeout, ANSWER_BYTES + ANSWER_BYTES_PER_CLAIM * claims);
        } catch (IOException e) {
            throw new SettlementFailure(NetworkFailure.cannotReachBroker(uri, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SettlementFailure("interrupted");
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200) {
            throw new SettlementFailure("the broker answered " + response.statusCode() + ": "
                    + JosePost.abbreviate(body));
        }
        JsonNode results;
        try {
            results = JSON.readTree(body).path("results");
        } catch (IOException e) {
            throw new SettlementFailure("the broker's answer is not JSON: " + JosePost.abbreviate(body));
        }
        if (!results.isArray()) {
            throw new SettlementFailure("the broker's answer has no results: " + JosePost.abbreviate(body));
        }
        return results;
    }
}
