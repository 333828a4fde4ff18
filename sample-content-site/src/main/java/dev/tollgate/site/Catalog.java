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
        items.add(new Item("/videos/test-pattern.mp4", "Test pattern, with tone", "Video",
                "Six seconds of the classic test card: a playable MP4 streamed with Range requests."));
        items.add(new Item("/videos/mandelbrot.mp4", "A dive into the Mandelbrot set", "Video",
                "Eight seconds of zoom, rendered by ffmpeg's fractal generator."));
        items.add(new Item("/downloads/daily-byte-prices.csv", "Prices data set (CSV)", "Download",
                "A year of made-up daily prices, metered by the byte: a long file becomes a partial download."));
        items.add(new Item("/api/quote", "Quote of the day (JSON API)", "API",
                "One quotation as JSON, for programs paying with PAYMENT-SIGNATURE."));
        ITEMS = List.copyOf(items);
    }

    private Catalog() {
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
