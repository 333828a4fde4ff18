package dev.tollgate.broker;

import java.io.IOException;
import java.nio.ByteBuffer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * How the API answers: a JSON body with {@code no-store} and {@code nosniff} (unless the endpoint set its own
 * caching), and a refusal as {@code {"error", "message"}} with the headers its status calls for. One place, so that
 * every endpoint answers alike.
 */
final class ApiAnswers {

    /** The authorization scheme of seller-signed requests ({@code Authorization: Tollgate-Seller <jws>}). */
    static final String SELLER_SCHEME = "Tollgate-Seller";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiAnswers() {
    }

    /** A new, empty JSON object to answer with. */
    static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    static void json(Response response, Callback callback, int status, ObjectNode body) {
        try {
            send(response, callback, status, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    static void send(Response response, Callback callback, int status, String type, byte[] body) {
        response.setStatus(status);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, type);
        if (!headers.contains(HttpHeader.CACHE_CONTROL)) {
            headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        }
        headers.put("X-Content-Type-Options", "nosniff");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * Answers a refusal: a 401 with the challenge of the scheme it asked for (a buyer's API key, or a seller's
     * signature), a 413 closing the connection (the rest of the body is not read), a 503 with {@code Retry-After}.
     */
    static void error(Response response, Callback callback, ApiException e) {
        if (e.status() == 401) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, e.code().equals("unauthorized")
                    && !e.getMessage().contains(SELLER_SCHEME) ? "Bearer realm=\"tollgate-broker\""
                    : SELLER_SCHEME + " realm=\"tollgate-broker\"");
        }
        if (e.status() == 413) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        if (e.status() == 503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(StorageFailure.RETRY_AFTER.toSeconds()));
        }
        ObjectNode out = object();
        out.put("error", e.code());
        out.put("message", e.getMessage());
        e.details().forEach(out::put);
        json(response, callback, e.status(), out);
    }
}
