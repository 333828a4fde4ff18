package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Stands in for the broker's {@code POST /v1/scrip/cancel} on {@code 127.0.0.1}: records the header and claims of
 * each cancel request and answers with the status set ({@link #answer}); the real endpoint is tested in the broker
 * module. Thread-safe.
 */
public final class CancelEndpoint implements AutoCloseable {

    /** One request received: its JWS header and claims. */
    public record Received(JsonNode header, JsonNode claims) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;

    public CancelEndpoint() throws Exception {
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String[] parts = Content.Source.asString(request, StandardCharsets.US_ASCII).split("\\.");
                received.add(new Received(JSON.readTree(Base64.getUrlDecoder().decode(parts[0])),
                        JSON.readTree(Base64.getUrlDecoder().decode(parts[1]))));
                int answer = status;
                response.setStatus(answer);
                Content.Sink.write(response, true, answer == 200 ? "{\"status\":\"returned\"}"
                        : "{\"error\":\"" + (answer == 409 ? "scrip_used" : "unavailable") + "\"}", callback);
                return true;
            }
        });
        server.start();
    }

    /** The setting that points the gateway here. */
    public String setting() {
        return "  cancel-url: " + uri();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1/scrip/cancel");
    }

    /** The status every request gets from now on. */
    public CancelEndpoint answer(int status) {
        this.status = status;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The scrip {@code jti}s of the requests received. */
    public List<String> cancelled() {
        return received.stream().map(r -> r.claims().path("scrip").asText()).toList();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
