package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.Scrip;
import dev.tollgate.protocol.X402Codec;
import java.nio.charset.StandardCharsets;
import dev.tollgate.protocol.PayWord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the 402 answer: the x402 {@code PaymentRequired} for programs (header and JSON body) and a short HTML
 * page for people. Not on the paid path, so it favours clarity over speed.
 */
final class Offers {

    /** The most UTF-8 bytes of JSON the request URL takes in an offer's {@code resource.url}. */
    static final int MAX_URL_BYTES = 1024;
    /** The most UTF-8 bytes of JSON a stream key takes in an offer's or receipt's {@code extra.stream}. */
    static final int MAX_STREAM_BYTES = 256;
    /** The most characters of an offer's {@code extensions.tollgate.message}. */
    static final int MAX_MESSAGE_CHARS = 256;
    /**
     * The longest {@code PAYMENT-REQUIRED} header a rule's offer may produce: 5 KiB of the 8 KiB that Jetty and Tomcat
     * allow a response's headers by default, leaving 3 KiB for the status line, the other headers of a 402 and what
     * filters before this one add.
     */
    static final int MAX_HEADER_CHARS = 5 * 1024;

    /**
     * A "Continue and pay" button: a POST of {@code allowance} and {@code path} to {@code action}.
     *
     * @param action the confirmation endpoint, within the filter's context
     * @param allowance the sealed allowance for this page and price
     * @param path the page's local path
     */
    record Continue(String action, String allowance, String path) {
    }

    private Offers() {
    }

    /** The x402 offer for one priced resource. */
    static PaymentRequired offer(GatewayConfig config, PriceRule rule, String url, ErrorCode error, String message) {
        return offer(config, rule, url, null, error, message, null);
    }

    /**
     * The x402 offer for one priced resource: one {@code accepts} entry per scheme the rule allows, each naming the
     * charge model and its parameters. What the request chose is bounded so that the {@code PAYMENT-REQUIRED} header
     * stays within {@link #MAX_HEADER_CHARS} (the config loader checks the rest with {@link #largestHeader}): the URL
     * by {@link #boundedUrl}, the stream key by {@link #boundedStream}, the message to {@link #MAX_MESSAGE_CHARS}.
     *
     * @param stream the stream key of the requested path, for a per-stream rule; else ignored (may be null)
     * @param chain a PayWord chain's head for {@code extensions.tollgate.chain} (PROTOCOL.md section 8), or null
     */
    static PaymentRequired offer(GatewayConfig config, PriceRule rule, String url, String stream, ErrorCode error,
                                 String message, Map<String, Object> chain) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("charge", rule.charge().configName());
        extra.put("price", rule.price().toString());
        extra.put("issuer", config.broker().issuer());
        extra.put("tokenEndpoint", config.broker().tokenEndpoint().toString());
        extra.put("brokerName", config.broker().name());
        extra.put("sellerName", config.sellerName());
        if (rule.charge() == ChargeModel.PER_STREAM) {
            extra.put("window", rule.window().orElseThrow().toSeconds());
            String shown = boundedStream(stream);
            if (shown != null) {
                extra.put("stream", shown);
            }
        } else if (rule.charge() == ChargeModel.METERED) {
            extra.put("unit", rule.unitBytes());
        }
        String network = Scrip.network(config.broker().id());
        String amount = rule.price().microsString();
        String asset = config.currency().getCurrencyCode();
        List<PaymentRequirements> accepts = new ArrayList<>(rule.schemes().size());
        for (String scheme : rule.schemes()) {
            Map<String, Object> schemeExtra = extra;
            if (scheme.equals(PayWord.SCHEME)) {
                schemeExtra = new LinkedHashMap<>(extra);
                schemeExtra.put("maxChainLength", config.payword().maxChainLength());
                schemeExtra.put("maxStep", config.payword().maxStep());
            }
            accepts.add(new PaymentRequirements(scheme, network, amount, asset, config.sellerId(),
                    config.maxTimeoutSeconds(), schemeExtra));
        }
        ResourceInfo resource = new ResourceInfo(boundedUrl(url), rule.description(), rule.mimeType().orElse(null));
        Map<String, Object> tollgate = new LinkedHashMap<>();
        if (message != null) {
            tollgate.put("message", boundedMessage(message));
        }
        if (chain != null) {
            tollgate.put("chain", chain);
        }
        Map<String, Object> extensions = tollgate.isEmpty() ? null : Map.of("tollgate", tollgate);
        return new PaymentRequired(2, error.code(), resource, accepts, extensions);
    }

    /**
     * The request URL as an offer names it: whole if its JSON takes at most {@link #MAX_URL_BYTES}; else without its
     * query; else cut to that many bytes, never inside a character or a {@code %XX} escape.
     */
    static String boundedUrl(String url) {
        if (jsonBytes(url) <= MAX_URL_BYTES) {
            return url;
        }
        int query = url.indexOf('?');
        String base = query < 0 ? url : url.substring(0, query);
        int end = 0;
        for (int bytes = 0; end < base.length(); end++) {
            bytes += jsonBytes(base.charAt(end));
            if (bytes > MAX_URL_BYTES) {
                break;
            }
        }
        if (end < base.length() && Character.isLowSurrogate(base.charAt(end))) {
            end--; // a surrogate pair counts 4 bytes in all: keep both halves or neither
        }
        if (end >= 1 && base.charAt(end - 1) == '%') {
            end--;
        } else if (end >= 2 && base.charAt(end - 2) == '%') {
            end -= 2;
        }
        return base.substring(0, end);
    }

    /** A stream key as offers and receipts name it, or {@code null} if its JSON takes more than {@link #MAX_STREAM_BYTES}. */
    static String boundedStream(String stream) {
        return stream == null || jsonBytes(stream) > MAX_STREAM_BYTES ? null : stream;
    }

    /** A message cut to {@link #MAX_MESSAGE_CHARS}, control characters as spaces: at most 3 bytes of JSON each. */
    static String boundedMessage(String message) {
        int length = Math.min(message.length(), MAX_MESSAGE_CHARS);
        if (length > 0 && Character.isHighSurrogate(message.charAt(length - 1))) {
            length--;
        }
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = message.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return out.toString();
    }

    /** The UTF-8 bytes {@code text} takes as a JSON string's content, escapes included. */
    static int jsonBytes(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            bytes += jsonBytes(text.charAt(i));
        }
        return bytes;
    }

    /** What one UTF-16 unit takes: a surrogate counts 2, so a pair makes the 4 bytes of its UTF-8 form. */
    private static int jsonBytes(char c) {
        if (c < 0x20) {
            return 6; // a backslash, u and four hex digits
        }
        if (c == '"' || c == '\\') {
            return 2;
        }
        return c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }

    /**
     * The longest {@code PAYMENT-REQUIRED} header {@code rule}'s 402 can carry under {@code config}: with the longest
     * URL, stream key, message and PayWord chain head a request can bring, and the longest error code.
     */
    static int largestHeader(GatewayConfig config, PriceRule rule) {
        ErrorCode longest = ErrorCode.PAYMENT_REQUIRED;
        for (ErrorCode code : ErrorCode.values()) {
            if (code.code().length() > longest.code().length()) {
                longest = code;
            }
        }
        Map<String, Object> chain = null;
        if (rule.accepts(PayWord.SCHEME)) {
            chain = new LinkedHashMap<>();
            chain.put("commitmentId", "c".repeat(PayWord.WORD_CHARS));
            chain.put("index", Integer.MAX_VALUE);
            chain.put("credit", Long.toString(Long.MAX_VALUE));
            chain.put("unit", Long.toString(Long.MAX_VALUE));
            chain.put("length", Integer.MAX_VALUE);
        }
        String message = "\u20ac".repeat(MAX_MESSAGE_CHARS);
        return header(offer(config, rule, "u".repeat(MAX_URL_BYTES), "s".repeat(MAX_STREAM_BYTES), longest, message,
                chain)).length();
    }

    static String header(PaymentRequired offer) {
        return X402Codec.encodeHeader(offer);
    }

    static byte[] json(PaymentRequired offer) {
        return X402Codec.toJson(offer);
    }

    /** A plain error body for answers that carry no offer (400, 503). */
    static byte[] error(ErrorCode code, String message) {
        return X402Codec.toJson(Map.of("error", code.code(), "message", message));
    }

    /** The page a person sees, without a pay link. Everything interpolated is escaped; it carries no script. */
    static byte[] html(GatewayConfig config, PriceRule rule, ErrorCode error, String message) {
        return html(config, rule, null, error, message, null, false, null);
    }

    /** The page a person sees, without a pay link; {@code stream} is the per-stream key of the path, or null. */
    static byte[] html(GatewayConfig config, PriceRule rule, String stream, ErrorCode error, String message) {
        return html(config, rule, stream, error, message, null, false, null);
    }

    /**
     * The page a person sees: what the item is, its price and charge model, why a payment was refused, and a
     * "Pay with" link to the broker ("Top up" when the scrip in the cookie ran out). Everything interpolated is
     * escaped; it carries no script.
     *
     * @param payLink the broker's pay page for this purchase, URL-encoded already; null for no link
     * @param confirm the button for a buyer whose budget in the cookie pays this page only with a click (it came from
     *     another site, or the browser did not say how); null for none
     */
    static byte[] html(GatewayConfig config, PriceRule rule, String stream, ErrorCode error, String message,
                       String payLink, boolean topUp, Continue confirm) {
        Money price = rule.price();
        String what = rule.description().isEmpty() ? "This page" : rule.description();
        String broker = escape(config.broker().name());
        String reason = error == ErrorCode.PAYMENT_REQUIRED ? "" : topUp
                ? "<p role=\"alert\">The budget you gave " + escape(config.sellerName()) + " has run out: "
                        + escape(message == null ? error.code() : message) + ".</p>\n"
                : "<p role=\"alert\">Your payment was not accepted: " + escape(message == null ? error.code()
                        : message) + " (" + escape(error.code()) + ")</p>\n";
        if (confirm != null) {
            reason = "<p>" + escape(Character.toUpperCase(message.charAt(0)) + message.substring(1)) + ".</p>\n<form method=\"post\" action=\"" + escape(confirm.action())
                    + "\">\n<input type=\"hidden\" name=\"allowance\" value=\"" + escape(confirm.allowance()) + "\">\n"
                    + "<input type=\"hidden\" name=\"path\" value=\"" + escape(confirm.path()) + "\">\n"
                    + "<p><button class=\"pay\" type=\"submit\" aria-describedby=\"price model\">Continue and pay "
                    + escape(price.toDecimalString()) + " " + escape(price.currency().getCurrencyCode())
                    + "</button></p>\n</form>\n";
            payLink = null;
        }
        String pay = payLink == null ? "" : "<p><a class=\"pay\" href=\"" + escape(payLink)
                + "\" aria-describedby=\"price model\">" + (topUp ? "Top up" : "Pay with " + broker) + "</a></p>\n"
                + "<p class=\"hint\">" + (topUp ? "Allow " + escape(config.sellerName()) + " to charge more at "
                + broker + "; you come back here afterwards." : "You log in at " + broker + ", choose how much "
                + escape(config.sellerName()) + " may charge, and come back here.") + "</p>\n";
        String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>Payment required - " + escape(config.sellerName()) + "</title>\n"
                + "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
                + "line-height:1.5}.price{font-size:1.5rem;font-weight:bold}.pay{display:inline-block;"
                + "padding:.6rem 1.2rem;background:#1a56db;color:#fff;border:0;border-radius:.4rem;"
                + "text-decoration:none;font:inherit;font-weight:bold;cursor:pointer}.pay:focus{outline:3px solid "
                + "#f59e0b}.hint,.programs{color:#444}</style>\n"
                + "</head>\n<body>\n<main>\n"
                + "<h1>Payment required</h1>\n"
                + "<p>" + escape(what) + " from " + escape(config.sellerName()) + " costs</p>\n"
                + "<p class=\"price\" id=\"price\">" + escape(price.toDecimalString()) + " "
                + escape(price.currency().getCurrencyCode()) + " <span>(" + escape(rule.charge().configName())
                + ")</span></p>\n"
                + "<p class=\"model\" id=\"model\">" + escape(inWords(rule, stream)) + "</p>\n"
                + reason
                + pay
                + "<p class=\"programs\">Programs pay with " + broker + " too: get scrip for <strong>"
                + escape(config.sellerId()) + "</strong> at <a href=\"" + escape(config.broker().tokenEndpoint()
                .toString()) + "\">" + escape(config.broker().tokenEndpoint().toString()) + "</a>, then send it "
                + "in the <code>PAYMENT-SIGNATURE</code> header.</p>\n"
                + "</main>\n</body>\n</html>\n";
        return page.getBytes(StandardCharsets.UTF_8);
    }

    /** A page saying why something the browser sent was refused, with a machine-readable code. */
    static byte[] problemPage(String title, String message, String code) {
        String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
                + "line-height:1.5}</style>\n</head>\n<body>\n<main>\n"
                + "<h1>" + escape(title) + "</h1>\n"
                + "<p role=\"alert\">" + escape(message) + " (" + escape(code) + ").</p>\n"
                + "<p><a href=\"/\">Back to the site</a></p>\n"
                + "</main>\n</body>\n</html>\n";
        return page.getBytes(StandardCharsets.UTF_8);
    }

    /** What the charge model means for the buyer, in a sentence. */
    static String inWords(PriceRule rule, String stream) {
        String price = rule.price().toDecimalString() + " " + rule.price().currency().getCurrencyCode();
        String words = switch (rule.charge()) {
            case PER_STREAM -> "One payment of " + price + " lets you watch or listen to this whole stream"
                    + (stream == null ? "" : " (everything under " + stream + ")") + ", as often as you like, for "
                    + durationInWords(rule.window().orElseThrow().toSeconds()) + ".";
            case METERED -> "You pay " + price + " for each " + ByteSizes.format(rule.unitBytes())
                    + " received. If your budget runs out, the download stops at the bytes paid for and can be "
                    + "resumed later.";
            case FREE -> "This is free.";
            default -> "Each request costs " + price + ".";
        };
        return rule.accepts(PayWord.SCHEME) ? words + " You can also pay with a PayWord hash chain." : words;
    }

    static String durationInWords(long seconds) {
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

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<': out.append("&lt;"); break;
                case '>': out.append("&gt;"); break;
                case '&': out.append("&amp;"); break;
                case '"': out.append("&quot;"); break;
                case '\'': out.append("&#39;"); break;
                default: out.append(c);
            }
        }
        return out.toString();
    }
}
