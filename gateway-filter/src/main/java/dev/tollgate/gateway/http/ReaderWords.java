package dev.tollgate.gateway.http;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.config.ByteSizes;
import java.util.Locale;

/**
 * What a price buys, in a reader's words rather than the config's ("0.10 USD for this video, to watch as often as you
 * like for 4 hours" rather than "per-stream, window 4h"). Pure functions; the words are plain text, escaped where
 * they are shown.
 */
public final class ReaderWords {

    private ReaderWords() {
    }

    /**
     * What one payment of the rule's price buys: "0.05 USD for this page", "0.10 USD for this video, to watch as
     * often as you like for 4 hours", "0.002 USD for each 64 KiB you download".
     */
    public static String whatItBuys(PriceRule rule) {
        String price = rule.price().toDisplayString();
        String thing = noun(rule);
        return switch (rule.charge()) {
            case PER_STREAM -> price + " for this " + thing + ", to " + (thing.equals("recording") ? "listen" : "watch")
                    + " as often as you like for " + duration(rule.window().orElseThrow().toSeconds());
            case METERED -> price + " for each " + ByteSizes.format(rule.unitBytes()) + " you download";
            case FREE -> "Free";
            default -> price + " for this " + thing;
        };
    }

    /** The fine print under the price, or empty: what happens when a metered budget runs out. */
    public static String terms(PriceRule rule, String stream) {
        return switch (rule.charge()) {
            case METERED -> "If your budget runs out, the download stops at what was paid for; you can resume it "
                    + "later.";
            case PER_STREAM -> stream == null ? "" : "One payment opens everything under " + stream + ".";
            default -> "";
        };
    }

    /**
     * What the item is, from its type: a video, a recording, a page, an answer (JSON) or a file; without a type, a
     * stream for a per-stream rule, else a page.
     */
    static String noun(PriceRule rule) {
        if (rule.mimeType().isEmpty() && rule.charge() == ChargeModel.PER_STREAM) {
            return "stream";
        }
        String type = rule.mimeType().orElse("text/html").toLowerCase(Locale.ROOT);
        if (type.startsWith("video/") || type.equals("application/vnd.apple.mpegurl")) {
            return "video";
        }
        if (type.startsWith("audio/")) {
            return "recording";
        }
        if (type.startsWith("text/html")) {
            return "page";
        }
        if (type.startsWith("application/json")) {
            return "answer";
        }
        return "file";
    }

    /** "4 hours", "1 day 2 hours", "90 seconds" → "1 minute 30 seconds". */
    public static String duration(long seconds) {
        long[] sizes = {86_400, 3_600, 60, 1};
        String[] names = {"day", "hour", "minute", "second"};
        StringBuilder words = new StringBuilder();
        long left = seconds;
        for (int i = 0; i < sizes.length; i++) {
            long count = left / sizes[i];
            left %= sizes[i];
            if (count > 0) {
                words.append(words.length() == 0 ? "" : " ").append(count).append(' ').append(names[i])
                        .append(count == 1 ? "" : "s");
            }
        }
        return words.length() == 0 ? "0 seconds" : words.toString();
    }
}
