package dev.tollgate.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Starts real brokers on 127.0.0.1 and talks to them over real HTTP. */
final class TestBrokers {

    static final String ISSUER = "https://broker.test";
    static final String SELLER = "daily-byte";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestBrokers() {
    }

    /** A demo-mode broker on a random port with seller {@link #SELLER} registered. */
    static Broker startDemo(Path dataDir) {
        Broker broker = builder(dataDir).demoMode(true).build().start();
        if (broker.seller(SELLER).isEmpty()) {
            broker.registerSeller(Seller.of(SELLER, "The Daily Byte", newSellerKey(),
                    List.of("https://news.example")));
        }
        return broker;
    }

    /** A builder for a loopback broker on a random port that stops without waiting for idle connections. */
    static Broker.Builder builder(Path dataDir) {
        return Broker.builder().port(0).dataDir(dataDir).issuer(ISSUER).stopTimeout(Duration.ZERO);
    }

    /** Base64 SPKI of a fresh Ed25519 public key. */
    static String newSellerKey() {
        try {
            return Base64.getEncoder().encodeToString(
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer: status, parsed JSON body (or null) and headers. */
    record Answer(int status, JsonNode json, String body, HttpResponse<String> response) {
        String text(String field) {
            return json.path(field).asText(null);
        }

        long micros(String field) {
            return Long.parseLong(json.path(field).asText());
        }
    }

    /** A funded demo buyer. */
    record Buyer(String account, String apiKey) {
    }

    static Buyer newBuyer(Broker broker, long deposit) {
        Answer a = post(broker, "/v1/accounts", "{\"deposit\":\"" + deposit + "\"}", null);
        if (a.status() != 201) {
            throw new IllegalStateException("account creation failed: " + a.body());
        }
        return new Buyer(a.text("account"), a.text("apiKey"));
    }

    static Answer issue(Broker broker, Buyer buyer, String seller, long budget) {
        return post(broker, "/v1/scrip", "{\"seller\":\"" + seller + "\",\"budget\":\"" + budget + "\"}",
                buyer.apiKey());
    }

    static Answer post(Broker broker, String path, String json, String apiKey) {
        HttpRequest.Builder r = request(broker, path, apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        return send(r.build());
    }

    static Answer get(Broker broker, String path, String apiKey) {
        return send(request(broker, path, apiKey).GET().build());
    }

    static HttpRequest.Builder request(Broker broker, String path, String apiKey) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(broker.baseUri() + path))
                .timeout(Duration.ofSeconds(20));
        if (apiKey != null) {
            r.header("Authorization", "Bearer " + apiKey);
        }
        return r;
    }

    static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            if (response.headers().firstValue("Content-Type").orElse("").contains("json")) {
                json = JSON.readTree(response.body());
            }
            return new Answer(response.statusCode(), json, response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
