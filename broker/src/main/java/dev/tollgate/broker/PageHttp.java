package dev.tollgate.broker;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The HTTP side of the browser pages: cookies, query and form decoding, and answers with the security headers. */
final class PageHttp {

    static final int MAX_FORM_BYTES = 16 * 1024;

    private PageHttp() {
    }

    static boolean sameToken(String expected, String presented) {
        return presented != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }

    /** The first cookie named {@code name}, or null. */
    static String cookie(Request request, String name) {
        for (String header : request.getHeaders().getValuesList(HttpHeader.COOKIE)) {
            for (String part : header.split(";")) {
                String p = part.strip();
                if (p.startsWith(name + "=")) {
                    return p.substring(name.length() + 1);
                }
            }
        }
        return null;
    }

    static Map<String, String> query(Request request) throws PageException {
        String query = request.getHttpURI().getQuery();
        return decode(query == null ? "" : query);
    }

    static Map<String, String> form(Request request) throws PageException, IOException {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String base = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!base.equals("application/x-www-form-urlencoded")) {
            throw new PageException(415, "This page accepts only its own forms.");
        }
        if (request.getLength() > MAX_FORM_BYTES) {
            throw new PageException(413, "The form is too large.");
        }
        InputStream in = Content.Source.asInputStream(request);
        byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
        if (body.length > MAX_FORM_BYTES) {
            throw new PageException(413, "The form is too large.");
        }
        return decode(new String(body, StandardCharsets.US_ASCII));
    }

    /** Decodes {@code a=b&c=d}; a parameter given twice is refused rather than guessed at. */
    static Map<String, String> decode(String text) throws PageException {
        Map<String, String> out = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String pair : text.split("&")) {
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
                throw PageException.badRequest("The payment request is not properly encoded.");
            }
            if (out.put(name, value) != null) {
                throw PageException.badRequest("The payment request gives a parameter more than once.");
            }
        }
        return out;
    }

    static String encode(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder();
        fields.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(k,
                StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return sb.toString();
    }

    /**
     * Sends a page with the security headers. {@code returnOrigin} (if known) is the one other place forms may
     * POST to; {@code nonce} (if any) is the only script allowed.
     */
    static void send(Response response, Callback callback, int status, String html, String returnOrigin,
                             String nonce) {
        send(response, callback, status, "text/html; charset=utf-8", html, returnOrigin, nonce);
    }

    static void send(Response response, Callback callback, int status, String type, String body,
                             String returnOrigin, String nonce) {
        response.setStatus(status);
        HttpFields.Mutable h = response.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, type);
        h.put("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'"
                + (returnOrigin == null ? "" : " " + returnOrigin) + "; frame-ancestors 'none'; base-uri 'none'"
                + (nonce == null ? "" : "; script-src 'nonce-" + nonce + "'"));
        if (!h.contains(HttpHeader.CACHE_CONTROL)) {
            h.put(HttpHeader.CACHE_CONTROL, "no-store");
        }
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        h.put("X-Frame-Options", "DENY");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
