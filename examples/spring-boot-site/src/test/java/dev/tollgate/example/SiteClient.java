package dev.tollgate.example;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** An HTTP client for the example app on its test port, as a buyer or a monitor calls it. */
final class SiteClient {

    static final String SELLER = "spring-site";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;

    SiteClient(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Actuator's health endpoint as its HTTP status and the status in its body: "200 UP", "503 DOWN". */
    String actuatorHealth() throws Exception {
        HttpResponse<String> response = get("/actuator/health");
        return response.statusCode() + " " + JSON.readTree(response.body()).get("status").asText();
    }
}
