package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.Scrip;
import dev.tollgate.protocol.X402Codec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the 402 answer: the x402 {@code PaymentRequired} for programs (header and JSON body) and a short HTML
 * page for people. Not on the paid path, so it favours clarity over speed.
 */
final class Offers {

    private Offers() {
    }

    /** The x402 offer for one priced resource. */
    static PaymentRequired offer(GatewayConfig config, PriceRule rule, String url, ErrorCode error, String message) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("charge", rule.charge().configName());
        extra.put("price", rule.price().toString());
        extra.put("issuer", config.broker().issuer());
        extra.put("tokenEndpoint", config.broker().tokenEndpoint().toString());
        extra.put("brokerName", config.broker().name());
        extra.put("sellerName", config.sellerName());
        PaymentRequirements scrip = new PaymentRequirements(Scrip.SCHEME, Scrip.network(config.broker().id()),
                rule.price().microsString(), config.currency().getCurrencyCode(), config.sellerId(),
                config.maxTimeoutSeconds(), extra);
        ResourceInfo resource = new ResourceInfo(url, rule.description(), rule.mimeType().orElse(null));
        Map<String, Object> extensions = message == null ? null : Map.of("tollgate", Map.of("message", message));
        return new PaymentRequired(2, error.code(), resource, List.of(scrip), extensions);
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

    /** The page a person sees. Everything interpolated is escaped; it carries no script. */
    static byte[] html(GatewayConfig config, PriceRule rule, ErrorCode error, String message) {
        Money price = rule.price();
        String what = rule.description().isEmpty() ? "This page" : rule.description();
        String reason = error == ErrorCode.PAYMENT_REQUIRED ? "" : "<p role=\"alert\">Your payment was not accepted: "
                + escape(message == null ? error.code() : message) + " (" + escape(error.code()) + ")</p>\n";
        String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>Payment required - " + escape(config.sellerName()) + "</title>\n"
                + "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;"
                + "line-height:1.5}.price{font-size:1.5rem;font-weight:bold}</style>\n</head>\n<body>\n<main>\n"
                + "<h1>Payment required</h1>\n"
                + "<p>" + escape(what) + " from " + escape(config.sellerName()) + " costs</p>\n"
                + "<p class=\"price\">" + escape(price.toDecimalString()) + " " + escape(price.currency()
                .getCurrencyCode()) + " <span>(" + escape(rule.charge().configName()) + ")</span></p>\n"
                + reason
                + "<p>Pay with " + escape(config.broker().name()) + ": get scrip for <strong>"
                + escape(config.sellerId()) + "</strong> at <a href=\"" + escape(config.broker().tokenEndpoint()
                .toString()) + "\">" + escape(config.broker().tokenEndpoint().toString()) + "</a>, then send it "
                + "in the <code>PAYMENT-SIGNATURE</code> header.</p>\n"
                + "</main>\n</body>\n</html>\n";
        return page.getBytes(StandardCharsets.UTF_8);
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
