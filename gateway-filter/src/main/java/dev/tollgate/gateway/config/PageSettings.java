package dev.tollgate.gateway.config;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Checks how one rule's item is presented to a reader ({@code title}, {@code back-link}, {@code paywall}); problems go
 * to the file's {@link ConfigProblems}, and a {@code null} result means a setting was wrong. Everything here is shown
 * on pages, escaped there; the bounds keep a paywall readable and its link harmless.
 */
final class PageSettings {

    /** The longest {@code title}: a headline, not an article. */
    static final int MAX_TITLE_CHARS = 200;
    /** The longest {@code back-link}. */
    static final int MAX_LINK_CHARS = 2048;

    private final ConfigProblems problems;
    private final String at;

    PageSettings(ConfigProblems problems, String at) {
        this.problems = problems;
        this.at = at;
    }

    PriceRule.Page page(ConfigFile.Rule rule, ChargeModel charge) {
        String title = problems.optional(rule.title(), at + ".title", PageSettings::title, "");
        String backLink = problems.optional(rule.backLink(), at + ".back-link", PageSettings::backLink,
                PriceRule.Page.DEFAULT.backLink());
        Boolean app = problems.optional(rule.paywall(), at + ".paywall", PageSettings::appRendered, false);
        if (Boolean.TRUE.equals(app) && charge == ChargeModel.FREE) {
            problems.problem(rule.paywall(), at + ".paywall", "a free rule has no paywall; remove paywall");
            return null;
        }
        return title == null || backLink == null || app == null ? null : new PriceRule.Page(title, backLink, app);
    }

    private static String title(String value) {
        String title = value.strip();
        if (title.isEmpty() || title.length() > MAX_TITLE_CHARS) {
            throw new IllegalArgumentException("a title is 1 to " + MAX_TITLE_CHARS + " characters");
        }
        if (title.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a title is one line, without control characters");
        }
        return title;
    }

    /** A path on this site ({@code /}, {@code /articles/}) or an {@code https} URL; never {@code //host} or a script. */
    private static String backLink(String value) {
        String link = value.strip();
        boolean printable = !link.isEmpty() && link.length() <= MAX_LINK_CHARS
                && link.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '\\');
        if (printable && link.startsWith("/") && !link.startsWith("//")) {
            return link;
        }
        if (printable && link.toLowerCase(Locale.ROOT).startsWith("https://")) {
            try {
                URI uri = new URI(link);
                if (uri.getHost() != null && uri.getRawUserInfo() == null) {
                    return link;
                }
            } catch (URISyntaxException e) {
                // refused below
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a path on this site (/, /articles/) or an "
                + "https URL of at most " + MAX_LINK_CHARS + " characters");
    }

    /** {@code app} or {@code built-in}: who renders the paywall of an unpaid browser request. */
    private static Boolean appRendered(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "app" -> true;
            case "built-in" -> false;
            default -> throw new IllegalArgumentException("'" + value + "' is not app or built-in");
        };
    }
}
