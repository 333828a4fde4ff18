package dev.tollgate.spring;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.browser.BrowserFlow;
import java.util.ArrayList;
import java.util.List;

/**
 * The URL patterns the filter is mapped to ({@code tollgate.filter.url-patterns}), checked against the rules: a
 * narrowed mapping must never leave a priced path ungated, since the container would then serve it without asking the
 * filter. Patterns are the Servlet specification's, not Spring's: {@code /*}, a prefix {@code /articles/*}, an
 * extension {@code *.mp4} or an exact path; {@code /api/**} is an exact path there, matching nothing useful, so it is
 * refused. A priced rule's {@code match} must be covered by one pattern. The paths the gateway answers itself (the
 * browser flow's callback, confirm page and pass purchase) are added when the patterns do not cover them.
 */
final class FilterUrlPatterns {

    static final String PROPERTY = InlineSettings.PREFIX + ".filter.url-patterns";
    /** Where a browser comes back from the broker, where "Continue and pay" posts and where a pass is bought. */
    private static final List<String> GATEWAY_PATHS = List.of(BrowserFlow.CALLBACK_PATH, BrowserFlow.CONFIRM_PATH,
            BrowserFlow.PASS_PATH);

    private FilterUrlPatterns() {
    }

    /**
     * The patterns to map: {@code configured} and the gateway's own paths they do not cover.
     *
     * @param rules the config's rules; every one that is not {@code charge: free} must be covered
     * @throws IllegalStateException naming the property, if a pattern is not a Servlet url-pattern or a priced rule
     *                               lies outside every pattern
     */
    static List<String> mapped(List<String> configured, List<PriceRule> rules) {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            String pattern = configured.get(i);
            if (!valid(pattern)) {
                problems.add(PROPERTY + "[" + i + "]: '" + pattern + "' is not a Servlet url-pattern (write /*, a"
                        + " prefix like /articles/*, an extension like *.mp4 or an exact path; /articles/* already"
                        + " maps everything under /articles)");
            }
        }
        if (problems.isEmpty()) {
            for (PriceRule rule : rules) {
                if (rule.charge() != ChargeModel.FREE && configured.stream().noneMatch(p -> covers(p, rule.match()))) {
                    problems.add(PROPERTY + ": " + configured + " do not cover the priced rule '" + rule.match()
                            + "', which would then be served free: add a pattern such as "
                            + suggestion(rule.match()) + " or keep /*");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
        List<String> mapped = new ArrayList<>(configured);
        for (String path : GATEWAY_PATHS) {
            if (configured.stream().noneMatch(p -> covers(p, path))) {
                mapped.add(path);
            }
        }
        return mapped;
    }

    /** A Servlet url-pattern: {@code /*}, {@code /prefix/*}, {@code *.ext}, or an exact path without {@code *}. */
    static boolean valid(String pattern) {
        if (pattern.startsWith("*.")) {
            String extension = pattern.substring(2);
            return !extension.isEmpty() && extension.indexOf('/') < 0 && extension.indexOf('*') < 0;
        }
        if (!pattern.startsWith("/")) {
            return false;
        }
        String path = pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 2) : pattern;
        return path.indexOf('*') < 0;
    }

    /**
     * Whether every path the gateway glob {@code match} matches is mapped by the Servlet {@code pattern}. Conservative:
     * a glob whose wildcards might reach outside the pattern is not covered.
     */
    static boolean covers(String pattern, String match) {
        if (pattern.equals("/*")) {
            return true;
        }
        if (pattern.startsWith("*.")) { // the glob's last segment must end with the extension, whatever it matches
            String last = match.substring(match.lastIndexOf('/') + 1);
            return !last.contains("**") && last.endsWith(pattern.substring(1)) && last.length() > pattern.length() - 1;
        }
        if (pattern.endsWith("/*")) { // a prefix match: the path itself and everything under it
            String[] prefix = pattern.substring(0, pattern.length() - 2).split("/", -1);
            String[] segments = match.split("/", -1);
            if (segments.length < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (!segments[i].equals(prefix[i]) || segments[i].contains("*")) {
                    return false;
                }
            }
            return true;
        }
        return pattern.equals(match) && match.indexOf('*') < 0;
    }

    /** A prefix pattern for a glob: its literal leading segments followed by {@code /*}. */
    private static String suggestion(String match) {
        StringBuilder prefix = new StringBuilder();
        for (String segment : match.substring(1).split("/")) {
            if (segment.contains("*")) {
                break;
            }
            prefix.append('/').append(segment);
        }
        return prefix.isEmpty() ? "/*" : prefix + "/*";
    }
}
