package dev.tollgate.buyer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.protocol.Money;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.UUID;

/**
 * The buyer's side of the broker's API (broker/README.md): scrip and PayWord certificates bought with the API key,
 * and the account. Scrip requests carry an {@code Idempotency-Key} and are retried with it when the answer is lost,
 * so a lost answer never reserves twice. Thread-safe (stateless over a shared {@link HttpClient}).
 */
final class BrokerApi {

    static final String SCRIP_PATH = "/v1/scrip";
    static final String CERTIFICATES_PATH = "/v1/payword/certificates";
    static final String ACCOUNT_PATH = "/v1/accounts/me";

    /** The longest broker answer read: its answers are well under 16 KiB (an account lists 200 entries). */
    private static final int MAX_ANSWER_BYTES = 256 * 1024;
    private static final int SCRIP_ATTEMPTS = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final String apiKey;

    BrokerApi(HttpClient http, URI base, String apiKey) {
        this.http = http;
        this.base = base;
        this.apiKey = apiKey;
    }

    /** Scrip as issued: the token and what the wallet needs to know of it. */
    record IssuedScrip(String token, String jti, long budget, Instant expiresAt) {
    }

    /** A PayWord certificate as issued. */
    record IssuedCertificate(String jws, String id, long limit, Instant expiresAt) {
    }

    /** The URL offers must name as their {@code tokenEndpoint} for this broker's scrip to pay them. */
    String tokenEndpoint() {
        return base.resolve(SCRIP_PATH).toString();
    }

    /** The broker's base URL, as given. */
    URI base() {
        return base;
    }

    /** The account id in the API key ({@code tgk.<account>.<secret>}), or the empty string for another format. */
    String account() {
        String[] parts = apiKey.split("\\.");
        return parts.length == 3 ? parts[1] : "";
    }

    IssuedScrip buyScrip(String seller, long budget, int ttlSeconds) throws IOException, InterruptedException,
            BrokerException {
        ObjectNode body = JSON.createObjectNode().put("seller", seller).put("budget", Long.toString(budget))
                .put("ttlSeconds", ttlSeconds);
        String key = "\"" + UUID.randomUUID() + "\"";
        IOException lost = null;
        for (int attempt = 0; attempt < SCRIP_ATTEMPTS; attempt++) {
            try {
                JsonNode answer = post(SCRIP_PATH, body, key, 201);
                return new IssuedScrip(text(answer, "token"), text(answer, "jti"), budget,
                        instant(answer, "expiresAt"));
            } catch (IOException e) {
                lost = e; // the same key again: the broker answers with the same scrip if it issued one
            }
        }
        throw lost;
    }

    IssuedCertificate certify(Map<String, Object> publicJwk, long limit, int ttlSeconds) throws IOException,
            InterruptedException, BrokerException {
        ObjectNode body = JSON.createObjectNode();
        body.set("publicKey", JSON.valueToTree(publicJwk));
        body.put("limit", Long.toString(limit)).put("ttlSeconds", ttlSeconds);
        JsonNode answer = post(CERTIFICATES_PATH, body, null, 201);
        return new IssuedCertificate(text(answer, "certificate"), text(answer, "id"),
                Money.parseMicros(text(answer, "limit")), instant(answer, "expiresAt"));
    }

    /** {@code GET /v1/accounts/me}: balance, reserved, scrip and certificates. */
    JsonNode accountView() throws IOException, InterruptedException, BrokerException {
        HttpRequest request = authorized(ACCOUNT_PATH).GET().build();
        return answer(http.send(request, HttpResponse.BodyHandlers.ofInputStream()), 200);
    }

    private JsonNode post(String path, JsonNode body, String idempotencyKey, int expected) throws IOException,
            InterruptedException, BrokerException {
        HttpRequest.Builder request = authorized(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return answer(http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()), expected);
    }

    private HttpRequest.Builder authorized(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).header("Authorization", "Bearer " + apiKey)
                .header("Accept", "application/json");
    }

    private JsonNode answer(HttpResponse<InputStream> response, int expected) throws IOException, BrokerException {
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
        }
        JsonNode json;
        try {
            json = bytes.length > MAX_ANSWER_BYTES ? null : JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (response.statusCode() == expected && json != null && json.isObject()) {
            return json;
        }
        String code = json == null ? "unreadable_answer" : json.path("error").asText("unreadable_answer");
        String message = json == null ? new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8)
                : json.path("message").asText(code);
        throw new BrokerException(response.statusCode(), code, "the broker answered " + response.statusCode()
                + " " + code + ": " + message);
    }

    private static String text(JsonNode json, String field) throws BrokerException {
        JsonNode value = json.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new BrokerException(200, "unreadable_answer", "the broker's answer has no " + field);
        }
        return value.asText();
    }

    private static Instant instant(JsonNode json, String field) throws BrokerException {
        try {
            return Instant.parse(text(json, field));
        } catch (DateTimeParseException e) {
            throw new BrokerException(200, "unreadable_answer", "the broker's answer has no valid " + field);
        }
    }
}
