package dev.tollgate.gateway.http;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The headers and cookies an app set on a page that may yet be discarded ({@link UnpaidResponse}): kept here, and
 * put on the real response only if the page is sent, so that a discarded page's {@code Content-Encoding},
 * {@code Content-Disposition} or {@code ETag} never end up on the filter's page. One request's; not thread-safe.
 */
final class HeldHeaders {

    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.US).withZone(ZoneOffset.UTC);

    private final Map<String, List<String>> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** Names the app set rather than added to: their values replace the response's. */
    private final Set<String> replaced = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    private final List<Cookie> cookies = new ArrayList<>();

    void set(String name, String value) {
        replaced.add(name);
        List<String> list = new ArrayList<>(1);
        if (value != null) {
            list.add(value);
        }
        values.put(name, list);
    }

    void add(String name, String value) {
        if (value != null) {
            values.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }
    }

    static String date(long epochMillis) {
        return HTTP_DATE.format(Instant.ofEpochMilli(epochMillis));
    }

    void addCookie(Cookie cookie) {
        cookies.add(cookie);
    }

    /** The values of {@code name} as the app sees them: what it set, else the response's and what it added. */
    List<String> get(String name, HttpServletResponse response) {
        List<String> held = values.get(name);
        if (replaced.contains(name)) {
            return held;
        }
        List<String> all = new ArrayList<>(response.getHeaders(name));
        if (held != null) {
            all.addAll(held);
        }
        return all;
    }

    Collection<String> names(HttpServletResponse response) {
        Set<String> names = new LinkedHashSet<>(response.getHeaderNames());
        values.forEach((name, list) -> {
            if (list.isEmpty()) {
                names.removeIf(name::equalsIgnoreCase);
            } else {
                names.add(name);
            }
        });
        return names;
    }

    /** Puts what the app set on the response: its page is sent. */
    void applyTo(HttpServletResponse response) {
        values.forEach((name, list) -> {
            for (int i = 0; i < list.size(); i++) {
                if (i == 0 && replaced.contains(name)) {
                    response.setHeader(name, list.get(0));
                } else {
                    response.addHeader(name, list.get(i));
                }
            }
        });
        cookies.forEach(response::addCookie);
    }

    void clear() {
        values.clear();
        replaced.clear();
        cookies.clear();
    }
}
