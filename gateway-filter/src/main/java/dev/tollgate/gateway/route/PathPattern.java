package dev.tollgate.gateway.route;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A compiled servlet-style glob. {@code *} matches within one path segment, {@code **} as a whole segment matches
 * any number of segments (zero included), {@code *.ext} alone matches that extension anywhere. The common shapes
 * (exact path, {@code /prefix/**}, {@code *.ext}) are matched with plain string tests; only the rest use a regex.
 * Paths are the container's decoded, normalised path within the context. Immutable.
 */
public final class PathPattern {

    public enum Kind { EXACT, PREFIX, EXTENSION, ALL, GLOB }

    private final String text;
    private final Kind kind;
    /** EXACT: the path; PREFIX: the prefix without trailing slash; EXTENSION: the dot and extension. */
    private final String literal;
    private final Pattern regex;
    /** The leading segments that hold no wildcard, joined with slashes: what every match starts with. */
    private final String literalHead;
    /** GLOB: the literal text after the last wildcard, which every match ends with; cheap to test first. */
    private final String literalTail;

    private PathPattern(String text, Kind kind, String literal, Pattern regex, String literalHead) {
        this.text = text;
        this.kind = kind;
        this.literal = literal;
        this.regex = regex;
        this.literalHead = literalHead;
        this.literalTail = kind == Kind.GLOB ? text.substring(text.lastIndexOf('*') + 1) : "";
    }

    /**
     * Compiles a glob.
     *
     * @throws IllegalArgumentException with a message that says what is wrong with it
     */
    public static PathPattern compile(String glob) {
        if (glob.isEmpty()) {
            throw new IllegalArgumentException("pattern is empty");
        }
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '?' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\\' || c < 0x21 || c == 0x7f) {
                throw new IllegalArgumentException("'" + glob + "' contains '" + printable(c)
                        + "'; only * and ** are wildcards");
            }
        }
        if (glob.startsWith("*.")) {
            String extension = glob.substring(1);
            if (extension.length() < 2 || extension.indexOf('/') >= 0 || extension.indexOf('*') >= 0) {
                throw new IllegalArgumentException("'" + glob + "' is not an extension pattern like *.mp4");
            }
            return new PathPattern(glob, Kind.EXTENSION, extension, null, "");
        }
        if (glob.charAt(0) != '/') {
            throw new IllegalArgumentException("'" + glob + "' must start with / or be an extension like *.mp4");
        }
        if (glob.equals("/**")) {
            return new PathPattern(glob, Kind.ALL, "", null, "");
        }
        String[] segments = glob.substring(1).split("/", -1);
        List<String> head = new ArrayList<>();
        boolean wild = false;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.isEmpty() && !last) {
                throw new IllegalArgumentException("'" + glob + "' has an empty segment (//)");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("'" + glob + "' has a '" + segment + "' segment");
            }
            if (segment.contains("**") && !segment.equals("**")) {
                throw new IllegalArgumentException("'" + glob + "': ** must be a whole segment, as in /videos/**");
            }
            if (segment.indexOf('*') >= 0) {
                wild = true;
            } else if (!wild) {
                head.add(segment);
            }
        }
        String literalHead = head.isEmpty() ? "" : "/" + String.join("/", head);
        if (!wild) {
            return new PathPattern(glob, Kind.EXACT, glob, null, glob);
        }
        if (glob.endsWith("/**") && glob.indexOf('*') == glob.length() - 2) {
            return new PathPattern(glob, Kind.PREFIX, glob.substring(0, glob.length() - 3), null, literalHead);
        }
        return new PathPattern(glob, Kind.GLOB, null, Pattern.compile(toRegex(segments)), literalHead);
    }

    boolean matches(String path) {
        switch (kind) {
            case EXACT:
                // Many frameworks serve /premium/ as /premium: so does the rule.
                return literal.equals(path) || sameButTrailingSlash(literal, path);
            case PREFIX:
                return path.startsWith(literal)
                        && (path.length() == literal.length() || path.charAt(literal.length()) == '/');
            case EXTENSION:
                return path.endsWith(literal) && path.lastIndexOf('/') < path.length() - literal.length();
            case ALL:
                return true;
            default:
                // Most paths are rejected by the literal ends before the regex runs.
                return path.startsWith(literalHead) && path.endsWith(literalTail) && regex.matcher(path).matches();
        }
    }

    /**
     * Whether every path this pattern matches is also matched by {@code earlier}, as far as can be decided cheaply.
     * {@code false} means "not known to be covered", never "known to be reachable".
     */
    public boolean coveredBy(PathPattern earlier) {
        if (earlier.kind == Kind.ALL || earlier.text.equals(text)) {
            return true;
        }
        if (kind == Kind.EXACT) {
            return earlier.matches(literal);
        }
        if (earlier.kind == Kind.PREFIX && kind != Kind.EXTENSION && kind != Kind.ALL) {
            return !literalHead.isEmpty() && earlier.matches(literalHead);
        }
        if (earlier.kind == Kind.EXTENSION) {
            String lastSegment = text.substring(text.lastIndexOf('/') + 1);
            return lastSegment.equals("*" + earlier.literal);
        }
        return false;
    }

    private static boolean sameButTrailingSlash(String a, String b) {
        String longer = a.length() > b.length() ? a : b;
        String shorter = longer == a ? b : a;
        return longer.length() == shorter.length() + 1 && longer.charAt(shorter.length()) == '/'
                && longer.startsWith(shorter);
    }

    public Kind kind() {
        return kind;
    }

    /** The leading segments without a wildcard ({@code /videos} for {@code /videos/*}/**), or empty. */
    public String literalHead() {
        return literalHead;
    }

    @Override
    public String toString() {
        return text;
    }

    private static String toRegex(String[] segments) {
        StringBuilder regex = new StringBuilder();
        for (String segment : segments) {
            if (segment.equals("**")) {
                regex.append("(?:/[^/]*)*");
                continue;
            }
            regex.append('/');
            int start = 0;
            for (int star = segment.indexOf('*'); star >= 0; star = segment.indexOf('*', start)) {
                if (star > start) {
                    regex.append(Pattern.quote(segment.substring(start, star)));
                }
                regex.append("[^/]*");
                start = star + 1;
            }
            if (start < segment.length()) {
                regex.append(Pattern.quote(segment.substring(start)));
            }
        }
        return regex.toString();
    }

    private static String printable(char c) {
        return c < 0x21 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
