package dev.tollgate.gateway.http;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.Scrip;
import dev.tollgate.protocol.X402Codec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the 402 answer for programs: the x402 {@code PaymentRequired} (header and JSON body), bounded so that its
 * header fits a container's response headers whatever the request brings. The page for people is {@link HtmlPages}'.
 * Not on the paid path, so it favours clarity over speed.
 */
public final class Offers {

    /** The most UTF-8 bytes of JSON the request URL takes in an offer's {@code resource.url}. */
    public static final int MAX_URL_BYTES = 1024;
    /** The most UTF-8 bytes of JSON a stream key takes in an offer's or receipt's {@code extra.stream}. */
    static final int MAX_STREAM_BYTES = 256;
    /** The most characters of an offer's {@code extensions.tollgate.message}. */
    static final int MAX_MESSAGE_CHARS = 256;
    /**
     * The longest {@code PAYMENT-REQUIRED} header a rule's offer may produce: 5 KiB of the 8 KiB that Jetty and Tomcat
     * allow a response's headers by default, leaving 3 KiB for the status line, the other headers of a 402 and what
     * filters before this one add.
     */
    public static final int MAX_HEADER_CHARS = 5 * 1024;

    /**
     * A "Continue and pay" button on the paywall ({@link HtmlPages#paywall}): a POST of {@code allowance} and
     * {@code path} to {@code action}.
     *
     * @param action the confirmation endpoint, within the filter's context
     * @param allowance the sealed allowance for this page and price
     * @param path the page's local path
     */
    record Continue(String action, String allowance, String path) {
    }

    /**
     * The paywall's pass buttons ({@link HtmlPages#paywall}): a POST of the page's {@code path} and a pass id to
     * {@code action}.
     *
     * @param action the pass purchase endpoint, within the filter's context
     * @param path the page's local path
     */
    public record PassButtons(String action, String path) {
    }

    private Offers() {
    }

    /** The x402 extension by which a buyer names one payment, so a retry after a lost answer is not charged again. */
    public static final String PAYMENT_IDENTIFIER = "payment-identifier";
    /**
     * The member of a PayWord offer's {@code extra} that names the header later words may come in instead of
     * {@code PAYMENT-SIGNATURE} (PROTOCOL.md section 8, "Compact words").
     */
    public static final String COMPACT_HEADER = "compactHeader";
    /**
     * What a 402 says of {@link #PAYMENT_IDENTIFIER} (PROTOCOL.md section 11): optional, and the identifier's form, as
     * the x402 extension declares it.
     */
    private static final Map<String, Object> PAYMENT_IDENTIFIER_DECLARATION = Map.of(
            "info", Map.of("required", false),
            "schema", Map.of("$schema", "https://json-schema.org/draft/2020-12/schema", "type", "object",
                    "properties", Map.of("required", Map.of("type", "boolean"),
                            "id", Map.of("type", "string", "minLength", 16, "maxLength", 128,
                                    "pattern", "^[a-zA-Z0-9_-]+$")),
                    "required", List.of("required")));

    /** The x402 offer for one priced resource. */
    public static PaymentRequired offer(GatewayConfig config, PriceRule rule, String url, ErrorCode error,
                                        String message) {
        return offer(config, rule, url, "GET", null, error, message, null);
    }

    /**
     * The x402 offer for one priced resource: one {@code accepts} entry per broker the rule accepts (in the config's
     * order, on its network {@code tollgate:<broker id>}, its {@code extra} naming the broker) and scheme the rule
     * allows, each naming the charge model and its parameters (a per-click rule's access window in
     * {@code extra.access}), then one scrip entry per pass the rule sells, its {@code extra.pass} naming the pass
     * (PROTOCOL.md section 13). What the request chose is bounded so that the
     * {@code PAYMENT-REQUIRED} header stays within {@link #MAX_HEADER_CHARS} (the config loader checks the rest, every
     * entry included, with {@link #largestHeader}): the URL by {@link #boundedUrl}, the stream key by
     * {@link #boundedStream}, the message to {@link #MAX_MESSAGE_CHARS}.
     *
     * @param method the request's method: it decides whether the offer declares payment identifiers
     * @param stream the stream key of the requested path, for a per-stream rule; else ignored (may be null)
     * @param chain a PayWord chain's head for {@code extensions.tollgate.chain} (PROTOCOL.md section 8), or null
     */
    public static PaymentRequired offer(GatewayConfig config, PriceRule rule, String url, String method, String stream,
                                        ErrorCode error, String message, Map<String, Object> chain) {
        String amount = rule.price().microsString();
        String asset = config.currency().getCurrencyCode();
        List<PaymentRequirements> accepts = new ArrayList<>();
        for (GatewayConfig.Broker broker : config.brokers()) {
            if (!rule.acceptsBroker(broker.id())) {
                continue;
            }
            Map<String, Object> extra = extra(config, rule, broker, stream);
            for (String scheme : rule.schemes()) {
                Map<String, Object> schemeExtra = extra;
                if (scheme.equals(PayWord.SCHEME)) {
                    schemeExtra = new LinkedHashMap<>(extra);
                    schemeExtra.put("maxChainLength", config.payword().maxChainLength());
                    schemeExtra.put("maxStep", config.payword().maxStep());
                    // Later words may come in the compact header (PROTOCOL.md section 8, "Compact words").
                    schemeExtra.put(COMPACT_HEADER, PaymentHeaders.TOLLGATE_PAYWORD);
                }
                accepts.add(new PaymentRequirements(scheme, broker.network(), amount, asset, config.sellerId(),
                        config.maxTimeoutSeconds(), schemeExtra));
            }
            for (Pass pass : rule.passes()) { // bought with scrip: a PayWord chain pays clicks, not passes
                Map<String, Object> passExtra = new LinkedHashMap<>(extra);
                passExtra.remove("access");
                passExtra.put("price", pass.price().toString());
                passExtra.put("pass", Map.of("id", pass.id(), "title", pass.title(), "price",
                        pass.price().toString(), "duration", pass.duration().toSeconds()));
                accepts.add(new PaymentRequirements(Scrip.SCHEME, broker.network(), pass.price().microsString(),
                        asset, config.sellerId(), config.maxTimeoutSeconds(), passExtra));
            }
        }
        ResourceInfo resource = new ResourceInfo(boundedUrl(url), rule.description(), rule.mimeType().orElse(null));
        Map<String, Object> tollgate = new LinkedHashMap<>();
        if (message != null) {
            tollgate.put("message", boundedMessage(message));
        }
        if (chain != null) {
            tollgate.put("chain", chain);
        }
        Map<String, Object> extensions = new LinkedHashMap<>();
        if (!tollgate.isEmpty()) {
            extensions.put("tollgate", tollgate);
        }
        if (keepsPaymentIdentifiers(rule, method)) {
            extensions.put(PAYMENT_IDENTIFIER, PAYMENT_IDENTIFIER_DECLARATION);
        }
        return new PaymentRequired(2, error.code(), resource, accepts, extensions.isEmpty() ? null : extensions);
    }

    /** What an {@code accepts} entry of {@code broker} says besides the amount: the charge model and the broker. */
    private static Map<String, Object> extra(GatewayConfig config, PriceRule rule, GatewayConfig.Broker broker,
                                             String stream) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("charge", rule.charge().configName());
        extra.put("price", rule.price().toString());
        extra.put("issuer", broker.issuer());
        extra.put("tokenEndpoint", broker.tokenEndpoint().toString());
        extra.put("brokerName", broker.name());
        extra.put("sellerName", config.sellerName());
        if (rule.charge() == ChargeModel.PER_STREAM) {
            extra.put("window", rule.window().orElseThrow().toSeconds());
            String shown = boundedStream(stream);
            if (shown != null) {
                extra.put("stream", shown);
            }
        } else if (rule.access().isPresent()) {
            extra.put("access", rule.access().get().toSeconds()); // what the price buys: re-reads for this long
        } else if (rule.charge() == ChargeModel.METERED) {
            extra.put("unit", rule.unitBytes());
        }
        return extra;
    }

    /**
     * Whether a payment under this rule, by a request of this method, is made once per payment identifier: scrip,
     * clicked, not confirmed online (a stream's entitlement already makes its retries free, a PayWord word pays once,
     * an online charge is confirmed per request), and a {@code GET} or {@code HEAD}: a replay runs the app again, so
     * a {@code POST} under one id would buy any number of operations (other bodies, other orders) for one payment.
     */
    public static boolean keepsPaymentIdentifiers(PriceRule rule, String method) {
        return rule.charge() == ChargeModel.PER_CLICK && !rule.online() && rule.schemes().contains(Scrip.SCHEME)
                && ("GET".equals(method) || "HEAD".equals(method));
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
    public static int largestHeader(GatewayConfig config, PriceRule rule) {
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
        return header(offer(config, rule, "u".repeat(MAX_URL_BYTES), "GET", "s".repeat(MAX_STREAM_BYTES), longest,
                message, chain)).length();
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
}
