package dev.tollgate.gateway.route;

import dev.tollgate.gateway.PriceRule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A per-stream rule's {@code stream} pattern, compiled: it turns a request path into the key of the stream the
 * request belongs to. Segments are literals, named captures {@code {name}} (exactly one non-empty segment) and, as
 * the last segment only, {@code **} (any rest of the path). The key is the path's text up to the last segment
 * before {@code **}: {@code /videos/{id}/**} keys {@code /videos/abc/seg-7.ts} as {@code /videos/abc}. A path the
 * pattern does not match is a stream of its own (its key is the path): it may cost more, never less. Immutable.
 */
public final class StreamKeys {

    /** Compiled patterns by text: a handful per config, shared by snapshots across reloads. */
    private static final ConcurrentHashMap<String, StreamKeys> COMPILED = new ConcurrentHashMap<>();
    private static final int MAX_CAPTURES = 16;

    private final String text;
    /** Per segment: its literal text, or {@code null} for a capture. */
    private final String[] segments;
    private final boolean rest;
    private final List<String> captures;

    private StreamKeys(String text, String[] segments, boolean rest, List<String> captures) {
        this.text = text;
        this.segments = segments;
        this.rest = rest;
        this.captures = List.copyOf(captures);
    }

    /** The stream key of {@code path} under {@code rule}: its pattern's key, or the path itself. */
    public static String keyOf(PriceRule rule, String path) {
        return rule.stream().isEmpty() ? path : cached(rule.stream().get()).key(path);
    }

    /** A pattern the config validated, compiled once. */
    static StreamKeys cached(String pattern) {
        StreamKeys keys = COMPILED.get(pattern);
        return keys != null ? keys : COMPILED.computeIfAbsent(pattern, StreamKeys::compile);
    }

    /**
     * Compiles a stream pattern.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static StreamKeys compile(String pattern) {
        if (pattern.isEmpty() || pattern.charAt(0) != '/') {
            throw new IllegalArgumentException("'" + pattern + "' must start with /, as in /videos/{id}/**");
        }
        if (pattern.equals("/**")) {
            return new StreamKeys(pattern, new String[0], true, List.of());
        }
        String[] parts = pattern.substring(1).split("/", -1);
        boolean rest = parts[parts.length - 1].equals("**");
        int count = rest ? parts.length - 1 : parts.length;
        String[] segments = new String[count];
        List<String> captures = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                throw new IllegalArgumentException("'" + pattern + "' has an empty segment");
            }
            if (part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("'" + pattern + "' has a '" + part + "' segment");
            }
            if (part.startsWith("{") && part.endsWith("}")) {
                String name = part.substring(1, part.length() - 1);
                if (!name.matches("[A-Za-z][A-Za-z0-9_-]{0,31}")) {
                    throw new IllegalArgumentException("'" + pattern + "': capture '" + part
                            + "' must be a name of letters, digits, - or _ starting with a letter, as in {id}");
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("'" + pattern + "' captures {" + name + "} twice");
                }
                captures.add(name);
                continue;
            }
            for (int c = 0; c < part.length(); c++) {
                char ch = part.charAt(c);
                if (ch == '*' || ch == '{' || ch == '}' || ch == '?' || ch == '[' || ch == ']' || ch == '\\'
                        || ch < 0x21 || ch == 0x7f) {
                    throw new IllegalArgumentException("'" + pattern + "': segment '" + part + "' may not contain '"
                            + (ch < 0x21 || ch == 0x7f ? String.format("\\u%04x", (int) ch) : String.valueOf(ch))
                            + "'; a segment is a literal, a whole {name} capture, or a final **");
                }
            }
            segments[i] = part;
        }
        if (captures.size() > MAX_CAPTURES) {
            throw new IllegalArgumentException("'" + pattern + "' has more than " + MAX_CAPTURES + " captures");
        }
        return new StreamKeys(pattern, segments, rest, captures);
    }

    /** The key of the stream {@code path} belongs to; the path itself when the pattern does not match it. */
    public String key(String path) {
        int end = matchedEnd(path);
        if (end < 0) {
            return path;
        }
        return end == 0 ? "/" : end == path.length() ? path : path.substring(0, end);
    }

    /** Whether the pattern matches the path (so the key is a prefix of it, not the path by default). */
    public boolean matches(String path) {
        return matchedEnd(path) >= 0;
    }

    /** Where the key ends in {@code path}, or -1 if the pattern does not match it. Allocation-free. */
    private int matchedEnd(String path) {
        int pos = 0;
        for (String literal : segments) {
            if (pos >= path.length() || path.charAt(pos) != '/') {
                return -1;
            }
            int start = pos + 1;
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            if (literal == null ? end == start
                    : end - start != literal.length() || !path.regionMatches(start, literal, 0, literal.length())) {
                return -1;
            }
            pos = end;
        }
        if (pos == path.length()) {
            return pos;
        }
        // A trailing slash belongs to the last segment's resource; anything longer needs the **.
        if (!rest && !(pos == path.length() - 1 && path.charAt(pos) == '/')) {
            return -1;
        }
        return path.charAt(pos) == '/' ? pos : -1;
    }

    /** The leading literal segments, as {@code /a/b}: every key starts with it. */
    public String literalHead() {
        StringBuilder head = new StringBuilder();
        for (String literal : segments) {
            if (literal == null) {
                break;
            }
            head.append('/').append(literal);
        }
        return head.toString();
    }

    public List<String> captures() {
        return captures;
    }

    @Override
    public String toString() {
        return text;
    }
}
