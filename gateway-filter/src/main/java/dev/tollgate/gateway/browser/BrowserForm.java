package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.http.ClientText;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The fields a browser sends to the gateway's own paths: an urlencoded form POSTed (the broker's callback, the built-in
 * paywall's pass button, "Continue and pay") or a link's query (an app-rendered paywall's pass link), each at most
 * {@link #MAX_BYTES}, a field given twice or a bad encoding refused. {@code what} names the step in refusals
 * ("callback", "pass purchase"). Pure functions over the request.
 */
final class BrowserForm {

    /** A form with a token and a state is a few KiB; more is not a callback. */
    static final int MAX_BYTES = 16 * 1024;

    private BrowserForm() {
    }

    /**
     * Reads a POSTed urlencoded form, at most {@link #MAX_BYTES}; another method, another type or a field given
     * twice is refused.
     */
    static Map<String, String> post(HttpServletRequest request, String method, String what)
            throws Refusal, IOException {
        if (!method.equals("POST")) {
            throw new Refusal(405, "method_not_allowed", "the payment " + what + " takes only POST, from "
                    + (what.equals("callback") ? "the broker's payment page" : "the payment page's button"));
        }
        String type = request.getContentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw new Refusal(400, "invalid_" + what.replace(' ', '_'), "the " + what
                    + " takes an application/x-www-form-urlencoded form");
        }
        if (request.getContentLengthLong() > MAX_BYTES) {
            throw new Refusal(400, "body_too_large", "the form is larger than " + MAX_BYTES + " bytes");
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BYTES + 1);
        }
        if (body.length > MAX_BYTES) {
            throw new Refusal(400, "body_too_large", "the form is larger than " + MAX_BYTES + " bytes");
        }
        return fields(new String(body, StandardCharsets.US_ASCII), what);
    }

    /** The fields of an urlencoded form or query; a field given twice or a bad encoding is refused. */
    private static Map<String, String> fields(String encoded, String what) throws Refusal {
        Map<String, String> fields = new HashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, "invalid_" + what.replace(' ', '_'), "the form is not validly urlencoded");
            }
            if (fields.put(name, value) != null) {
                throw new Refusal(400, "invalid_" + what.replace(' ', '_'), "the form gives '"
                        + ClientText.excerpt(name) + "' twice");
            }
        }
        return fields;
    }

    /** The fields of the request's query, at most {@link #MAX_BYTES}. */
    static Map<String, String> query(HttpServletRequest request, String what) throws Refusal {
        String query = request.getQueryString();
        if (query != null && query.length() > MAX_BYTES) {
            throw new Refusal(400, "body_too_large", "the query is longer than " + MAX_BYTES + " bytes");
        }
        return fields(query == null ? "" : query, what);
    }
}
