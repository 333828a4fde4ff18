package dev.tollgate.site;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Everything the site sells, in home-page order; prices come from the live config, never from here. */
final class Catalog {

    /** One item: where it is, what it is called, and what kind of thing it is. */
    record Item(String path, String title, String kind, String summary) {
    }

    static final List<Item> ITEMS;

    static {
        List<Item> items = new ArrayList<>();
        for (Articles.Article a : Articles.ALL) {
            items.add(new Item(a.path(), a.title(), "Article", a.standfirst()));
        }
        for (VideoServlet.Video v : VideoServlet.ALL) {
            items.add(new Item(v.page(), v.title(), "Video", v.summary()));
        }
        items.add(new Item("/downloads/daily-byte-prices.csv", "Prices data set (CSV)", "Download",
                "A year of made-up daily prices, metered by the byte: a long file becomes a partial download."));
        items.add(new Item("/api/quote", "Quote of the day (JSON API)", "API",
                "One quotation as JSON, for programs paying with PAYMENT-SIGNATURE."));
        ITEMS = List.copyOf(items);
    }

    private Catalog() {
    }

    /**
     * What the dashboard calls a charged resource: the catalog's title of that path, else the title of the rule that
     * prices it ({@link PriceRule#title}), else the path itself.
     */
    static String titleOf(GatewayConfig config, String resource) {
        // A stream's charges name its key and its rule: "/videos/mandelbrot (mandelbrot)" for the page
        // /videos/mandelbrot/.
        int rule = resource.indexOf(" (");
        String path = rule > 0 && resource.endsWith(")") ? resource.substring(0, rule) : resource;
        for (Item item : ITEMS) {
            if (item.path().equals(path) || item.path().equals(path + "/")) {
                return item.title();
            }
        }
        return ruleFor(config, path).map(PriceRule::title).orElse(resource);
    }

    /** The rule that prices a GET of {@code path} now: the first matching one, as the gateway decides. */
    static Optional<PriceRule> ruleFor(GatewayConfig config, String path) {
        for (PriceRule rule : config.rules()) {
            if (rule.appliesTo("GET") && Glob.matches(rule.match(), path)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }
}
