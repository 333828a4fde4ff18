package dev.tollgate.broker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * The API's request bodies: each endpoint's limit, and reading a body as one JSON object or one compact JWS within it.
 *
 * <p>Memory follows the bytes that arrived, never the limit or the declared length: a client that declares a large
 * body and sends a few bytes costs a few KiB, not the limit. A body declared larger than its limit is refused before
 * anything is read; one that grows past it, as soon as it does.
 */
final class RequestBodies {

    /** Largest JSON request body of an endpoint without a limit of its own. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Largest {@code POST /v1/accounts} body: {@code {"deposit":"100000000"}} is 23 bytes. */
    static final int MAX_ACCOUNT_BODY_BYTES = 1024;
    /** Largest {@code POST /v1/scrip} body: a 64-character seller, a budget and a lifetime are about 110 bytes. */
    static final int MAX_SCRIP_BODY_BYTES = 4 * 1024;
    /**
     * Largest seller-signed JWS body but a redemption batch: a charge request (1 to 128-character ids, an amount and
     * the issuer URL) is at most about 3 KiB.
     */
    static final int MAX_SELLER_REQUEST_BYTES = 8 * 1024;
    /**
     * Largest redemption batch: 1000 claims of 22-character jtis, base64url-encoded, need about 70 KiB; a PayWord claim
     * carries its commitment (about 1.7 KiB), so 256 KiB hold about 150 of them.
     */
    static final int MAX_REDEMPTION_BODY_BYTES = 256 * 1024;
    /** A void request's body: 100 charge ids of up to 128 characters are about 18 KiB as a JWS. */
    static final int MAX_VOID_BODY_BYTES = 32 * 1024;
    /** The largest refused body that is still read (and discarded) so that its sender sees the 413. */
    static final int DRAIN_LIMIT = 1024 * 1024;
    /** The first buffer; it doubles as bytes arrive, up to the limit. */
    static final int FIRST_BUFFER_BYTES = 4096;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(MAX_BODY_BYTES).maxNumberLength(40).build());
    }

    private RequestBodies() {
    }

    /** Reads a {@code Content-Type: application/jose} body of at most {@code max} bytes: one compact JWS. */
    static String jose(Request request, int max) throws ApiException, IOException {
        // Read (bounded) before refusing its type: an unread body closes the connection under a client that may
        // already be sending its next request on it.
        byte[] body = read(request, max);
        if (!mediaType(request).equals("application/jose")) {
            throw new ApiException(415, "unsupported_media_type", "the body must be a compact JWS sent as"
                    + " Content-Type: application/jose");
        }
        String text = new String(body, StandardCharsets.US_ASCII).strip();
        if (text.isEmpty()) {
            throw ApiException.badRequest("invalid_request", "the body must be a compact JWS");
        }
        return text;
    }

    /** Reads the body (at most {@code max} bytes) as a JSON object; an empty body is {@code {}} if allowed. */
    static ObjectNode json(Request request, boolean emptyAllowed, int max) throws ApiException, IOException {
        byte[] body = read(request, max);
        if (body.length == 0) {
            if (emptyAllowed) {
                return JsonNodeFactory.instance.objectNode();
            }
            throw ApiException.badRequest("invalid_request", "a JSON object body is required");
        }
        if (!mediaType(request).equals("application/json")) {
            throw new ApiException(415, "unsupported_media_type", "the body must be sent as Content-Type:"
                    + " application/json");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("invalid_json", "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** The body, refused from its declared length if that is over {@code max}, or as soon as it grows past it. */
    private static byte[] read(Request request, int max) throws ApiException, IOException {
        if (request.getLength() > max) {
            throw oversized(request, max);
        }
        InputStream in = Content.Source.asInputStream(request);
        try {
            return read(in, request.getLength(), max);
        } catch (ApiException tooLarge) {
            drain(in); // a body of unknown length grew past max: the client gets the 413 too, not a reset
            throw tooLarge;
        }
    }

    /** The media type of the request's {@code Content-Type}, lower case without parameters; empty if none. */
    private static String mediaType(Request request) {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Refuses a body whose declared length is over {@code max}, first reading and discarding it if it is at most
     * {@link #DRAIN_LIMIT}: a client that sends its whole body before it reads the answer (as most do) then gets the
     * 413 instead of a connection reset under its write. A larger body is not read; the connection closes.
     */
    private static ApiException oversized(Request request, int max) throws IOException {
        if (request.getLength() <= DRAIN_LIMIT) {
            drain(Content.Source.asInputStream(request));
        }
        return tooLarge(max);
    }

    /** Reads and discards what is left of a refused body, at most {@link #DRAIN_LIMIT} bytes. */
    private static void drain(InputStream in) throws IOException {
        byte[] discard = new byte[8192];
        long drained = 0;
        int n;
        while (drained <= DRAIN_LIMIT && (n = in.read(discard)) != -1) {
            drained += n;
        }
    }

    /**
     * The whole body, at most {@code max} bytes.
     *
     * @param declared the declared length ({@code Content-Length}), or -1 if unknown
     * @throws ApiException 413 {@code body_too_large} as soon as more than {@code max} bytes arrived
     */
    static byte[] read(InputStream in, long declared, int max) throws ApiException, IOException {
        long first = declared >= 0 ? Math.min(declared + 1, FIRST_BUFFER_BYTES) : FIRST_BUFFER_BYTES;
        byte[] buffer = new byte[(int) Math.min(max + 1L, first)];
        int total = 0;
        while (true) {
            if (total == buffer.length) {
                if (total > max) {
                    throw tooLarge(max);
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min(max + 1L, buffer.length * 2L));
            }
            int n = in.read(buffer, total, buffer.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        if (total > max) {
            throw tooLarge(max);
        }
        return total == buffer.length ? buffer : Arrays.copyOf(buffer, total);
    }

    static ApiException tooLarge(int max) {
        return new ApiException(413, "body_too_large", "the body is larger than " + max + " bytes");
    }
}
