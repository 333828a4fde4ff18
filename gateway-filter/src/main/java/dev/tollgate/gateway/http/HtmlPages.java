package dev.tollgate.gateway.http;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.config.ByteSizes;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The HTML a person sees where a program gets a payment header: the paywall of a 402 (price, charge model in words,
 * why a payment was refused, a link to pay) and a page saying why a browser's request was refused. Apart from the
 * x402 offer ({@link Offers}) because the two change for different reasons: the offer is the wire format, fixed by
 * PROTOCOL.md; the page is for readers, and apps will come to render their own. Every value interpolated is escaped
 * and no page carries a script. Pure functions.
 */
public final class HtmlPages {

    /**
     * A "Pay with" link of the paywall.
     *
     * @param brokerName the broker's name, shown
     * @param issuer the broker's issuer
     * @param url the broker's pay page for this purchase, URL-encoded already
     */
    public record PayLink(String brokerName, String issuer, String url) {
    }

    private HtmlPages() {
    }

    /**
     * The page a person sees: what the item is, its price and charge model, why a payment was refused, and a
     * "Pay with" link to each broker the rule accepts ("Top up" when the scrip in the cookie ran out). Everything
     * interpolated is escaped; it carries no script.
     *
     * @param payLinks the brokers' pay pages for this purchase, in the config's order; empty for no link
     * @param confirm the button for a buyer whose budget in the cookie pays this page only with a click (it came from
     *     another site, or the browser did not say how); null for none
     */
    public static byte[] paywall(GatewayConfig config, PriceRule rule, String stream, ErrorCode error, String message,
                                 List<PayLink> payLinks, boolean topUp, Offers.Continue confirm) {
        return paywall(config, rule, stream, error, message, payLinks, topUp, confirm, null);
    }

    /**
     * The paywall, with a "Buy" button per pass the rule sells beside the item's links when {@code passes} is given
     * (a POST of {@code path} and {@code pass} to its action, which sends the buyer to the broker for the pass).
     */
    public static byte[] paywall(GatewayConfig config, PriceRule rule, String stream, ErrorCode error, String message,
                                 List<PayLink> payLinks, boolean topUp, Offers.Continue confirm,
                                 Offers.PassButtons passes) {
        Money price = rule.price();
        String what = rule.description().isEmpty() ? "This page" : rule.description();
        List<GatewayConfig.Broker> brokers = config.brokers().stream().filter(b -> rule.acceptsBroker(b.id())).toList();
        String broker = escape(brokers.stream().map(GatewayConfig.Broker::name).collect(Collectors.joining(" or ")));
        String reason = error == ErrorCode.PAYMENT_REQUIRED ? "" : topUp
                ? "<p role=\"alert\">The budget you gave " + escape(config.sellerName()) + " has run out: "
                        + escape(message == null ? error.code() : message) + ".</p>\n"
                : "<p role=\"alert\">Your payment was not accepted: " + escape(message == null ? error.code()
                        : message) + " (" + escape(error.code()) + ")</p>\n";
        if (confirm != null) {
            reason = "<p>" + escape(Character.toUpperCase(message.charAt(0)) + message.substring(1)) + ".</p>\n"
                    + "<form method=\"post\" action=\"" + escape(confirm.action()) + "\">\n"
                    + "<input type=\"hidden\" name=\"allowance\" value=\"" + escape(confirm.allowance()) + "\">\n"
                    + "<input type=\"hidden\" name=\"path\" value=\"" + escape(confirm.path()) + "\">\n"
                    + "<p><button class=\"pay\" type=\"submit\" aria-describedby=\"price model\">Continue and pay "
                    + escape(price.toDecimalString()) + " " + escape(price.currency().getCurrencyCode())
                    + "</button></p>\n</form>\n";
            payLinks = List.of();
        }
        String pay = payLinks.isEmpty() ? "" : payLinks(payLinks, topUp)
                + "<p class=\"hint\">" + (topUp ? "Allow " + escape(config.sellerName()) + " to charge more at "
                + escape(payLinks.stream().map(PayLink::brokerName).collect(Collectors.joining(" or ")))
                + "; you come back here afterwards." : "You log in at " + broker + ", choose how much "
                + escape(config.sellerName()) + " may charge, and come back here.") + "</p>\n"
                + (topUp || passes == null ? "" : passButtons(rule, passes));
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
                + escape(config.sellerId()) + "</strong> at " + brokers.stream().map(b -> "<a href=\""
                + escape(b.tokenEndpoint().toString()) + "\">" + escape(b.tokenEndpoint().toString()) + "</a>")
                .collect(Collectors.joining(" or ")) + ", then send it in the <code>PAYMENT-SIGNATURE</code> "
                + "header.</p>\n"
                + "</main>\n</body>\n</html>\n";
        return page.getBytes(StandardCharsets.UTF_8);
    }

    /** One link per broker: "Pay with" its name, or "Top up" ("Top up at" its name when there are several). */
    private static String payLinks(List<PayLink> links, boolean topUp) {
        StringBuilder html = new StringBuilder();
        for (PayLink link : links) {
            html.append("<p><a class=\"pay\" href=\"").append(escape(link.url()))
                    .append("\" aria-describedby=\"price model\">")
                    .append(topUp ? links.size() == 1 ? "Top up" : "Top up at " + escape(link.brokerName())
                            : "Pay with " + escape(link.brokerName()))
                    .append("</a></p>\n");
        }
        return html.toString();
    }

    /** One form per pass the rule sells: its title, price and duration on the button. */
    private static String passButtons(PriceRule rule, Offers.PassButtons passes) {
        StringBuilder html = new StringBuilder();
        for (Pass pass : rule.passes()) {
            html.append("<form method=\"post\" action=\"").append(escape(passes.action())).append("\">\n")
                    .append("<input type=\"hidden\" name=\"path\" value=\"").append(escape(passes.path()))
                    .append("\">\n<input type=\"hidden\" name=\"pass\" value=\"").append(escape(pass.id()))
                    .append("\">\n<p><button class=\"pay\" type=\"submit\">Buy ").append(escape(pass.title()))
                    .append(": ").append(escape(pass.price().toDecimalString())).append(' ')
                    .append(escape(pass.price().currency().getCurrencyCode())).append(" for ")
                    .append(escape(durationInWords(pass.duration().toSeconds()))).append("</button></p>\n</form>\n");
        }
        return html.toString();
    }

    /** A page saying why something the browser sent was refused, with a machine-readable code. */
    public static byte[] problemPage(String title, String message, String code) {
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

    public static String escape(String text) {
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
