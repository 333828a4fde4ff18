package dev.tollgate.site;

import java.util.regex.Pattern;

/**
 * The config's rule globs, as docs/CONFIG.md defines them, to find which rule prices an item on the home page:
 * {@code *} within one segment, {@code **} as a whole segment for any number of segments, {@code *.ext} alone for
 * that extension in any folder. (The gateway's own matcher is package-private.)
 */
final class Glob {

    private Glob() {
    }

    static boolean matches(String glob, String path) {
        return compile(glob).matcher(path).matches();
    }

    static Pattern compile(String glob) {
        if (glob.startsWith("*.") && glob.indexOf('/') < 0) {
            return Pattern.compile("(?:.*/)?[^/]*" + Pattern.quote(glob.substring(1)));
        }
        StringBuilder regex = new StringBuilder();
        String[] segments = glob.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.equals("**")) {
                regex.append("(?:/.*)?");
                continue;
            }
            regex.append('/');
            int from = 0;
            for (int star = segment.indexOf('*'); star >= 0; star = segment.indexOf('*', from)) {
                if (star > from) {
                    regex.append(Pattern.quote(segment.substring(from, star)));
                }
                regex.append("[^/]*");
                from = star + 1;
            }
            if (from < segment.length()) {
                regex.append(Pattern.quote(segment.substring(from)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
