package dev.tollgate.gateway.http;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.Pass;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PayWord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The HTML a person sees where a program gets a payment header: the paywall of a 402 (what the item is, what each
 * offer costs and buys in a reader's words, why a payment was refused, a button to pay at each broker, a way back to
 * the site) and a page saying why a browser's request was refused. Apart from the x402 offer ({@link Offers}) because
 * the two change for different reasons: the offer is the wire format, fixed by PROTOCOL.md; the page is for readers
 * (an app may render its own: {@code paywall: app}). Every value interpolated is escaped, no page carries a script,
 * and the one style sheet is inline, allowed by its hash in {@link #CONTENT_SECURITY_POLICY}. Pure functions.
 */
public final class HtmlPages {

    /**
     * A "Pay with" link of the paywall.
     *
     * @param brokerName the broker's name, shown
     * @param brokerId the broker's {@code id} in the config
     * @param issuer the broker's issuer
     * @param url the broker's pay page for this purchase, URL-encoded already
     */
    public record PayLink(String brokerName, String brokerId, String issuer, String url) {
    }

    /**
     * One way to pay shown on the paywall: the item's own price ({@link #forItem}), or another offer beside it.
     *
     * @param price what it costs
     * @param whatItBuys the headline, in a reader's words: "0.05 USD for this page"
     * @param terms the fine print under it; may be empty
     * @param payLinks a button per broker; empty for none
     */
    public record ReaderOffer(Money price, String whatItBuys, String terms, List<PayLink> payLinks) {

        public ReaderOffer {
            payLinks = List.copyOf(payLinks);
        }

        /** The item's own price under {@code rule}, paid through {@code payLinks}. */
        public static ReaderOffer forItem(PriceRule rule, String stream, List<PayLink> payLinks) {
            return new ReaderOffer(rule.price(), ReaderWords.whatItBuys(rule), ReaderWords.terms(rule, stream),
                    payLinks);
        }
    }

    /** Phone first: one column, buttons as wide as the screen until there is room beside them. */
    private static final String STYLE = "body{font:17px/1.55 system-ui,sans-serif;max-width:36rem;margin:0 auto;"
            + "padding:1rem;color:#1b1b1b}a{color:#1a56db}.back{display:inline-block;margin:.5rem 0 1.5rem}"
            + "h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0 .6rem}.kicker{margin:0;color:#555;"
            + "text-transform:uppercase;letter-spacing:.05em;font-size:.8rem}.description{color:#333}"
            + ".offer{border:1px solid #d0d7e2;border-radius:.6rem;padding:1rem;margin:1.2rem 0}"
            + ".price{font-size:1.25rem;font-weight:600;margin:0 0 .4rem}.terms{color:#444;margin:.2rem 0}"
            + ".pay{display:block;box-sizing:border-box;width:100%;margin:.6rem 0 0;padding:.75rem 1rem;"
            + "background:#1a56db;color:#fff;border:0;border-radius:.45rem;text-align:center;text-decoration:none;"
            + "font:inherit;font-weight:600;cursor:pointer}.pay:focus{outline:3px solid #f59e0b;outline-offset:2px}"
            + ".hint{color:#444;font-size:.95rem}[role=alert]{border-left:4px solid #b45309;background:#fff7ed;"
            + "padding:.5rem .8rem}details{margin-top:2.5rem;color:#555;font-size:.9rem}summary{cursor:pointer}"
            + "code{overflow-wrap:anywhere}@media (min-width:40rem){body{padding:2rem 1rem}"
            + ".pay{display:inline-block;width:auto;margin-right:.6rem}}";

    /**
     * The policy every page here is sent with: nothing but its own inline style (by hash), forms only to this site,
     * never framed.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src '" + sha256(STYLE)
            + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private HtmlPages() {
    }

    /**
     * The page a person sees for the item's own price: {@link #paywall(GatewayConfig, PriceRule, String, ErrorCode,
     * String, List, boolean, Offers.Continue)} with one offer.
     *
     * @param payLinks the brokers' pay pages for this purchase, in the config's order; empty for no link
     */
    public static byte[] paywall(GatewayConfig config, PriceRule rule, String stream, ErrorCode error, String message,
                                 List<PayLink> payLinks, boolean topUp, Offers.Continue confirm) {
        return paywall(config, rule, stream, error, message, payLinks, topUp, confirm, null);
    }

    /**
     * The paywall for the item's own price, and a "Buy" form per pass the rule sells and broker of {@code payLinks}
     * when {@code passes} is given (a POST of {@code path}, {@code pass} and {@code broker} to its action, which sends
     * the buyer to that broker for the pass).
     */
    public static byte[] paywall(GatewayConfig config, PriceRule rule, String stream, ErrorCode error, String message,
                                 List<PayLink> payLinks, boolean topUp, Offers.Continue confirm,
                                 Offers.PassButtons passes) {
        return paywall(config, rule, error, message, List.of(ReaderOffer.forItem(rule, stream, payLinks)), topUp,
                confirm, topUp || confirm != null || payLinks.isEmpty() ? null : passes);
    }

    /**
     * The paywall: the item's title and description, a link back to the site, why a payment was refused, and each
     * offer with a button per broker ("Top up" when the scrip in the cookie ran out); what programs send sits in a
     * collapsed note at the bottom. Everything interpolated is escaped; it carries no script.
     *
     * @param offers the ways to pay, the item's own price first
     * @param confirm the button for a buyer whose budget in the cookie pays this page only with a click (it came from
     *     another site, or the browser did not say how); null for none. It replaces the pay links.
     */
    public static byte[] paywall(GatewayConfig config, PriceRule rule, ErrorCode error, String message,
                                 List<ReaderOffer> offers, boolean topUp, Offers.Continue confirm) {
        return paywall(config, rule, error, message, offers, topUp, confirm, null);
    }

    private static byte[] paywall(GatewayConfig config, PriceRule rule, ErrorCode error, String message,
                                  List<ReaderOffer> offers, boolean topUp, Offers.Continue confirm,
                                  Offers.PassButtons passes) {
        String seller = escape(config.sellerName());
        String title = rule.page().title().isEmpty() ? rule.description() : rule.page().title();
        String description = rule.page().title().isEmpty() ? "" : rule.description();
        StringBuilder main = new StringBuilder("<p class=\"kicker\">").append(seller).append("</p>\n<h1>")
                .append(escape(title.isEmpty() ? "This page is for sale" : title)).append("</h1>\n");
        if (!description.isEmpty()) {
            main.append("<p class=\"description\">").append(escape(description)).append("</p>\n");
        }
        if (confirm != null) {
            main.append("<p>").append(escape(Character.toUpperCase(message.charAt(0)) + message.substring(1)))
                    .append(".</p>\n<form method=\"post\" action=\"").append(escape(confirm.action())).append("\">\n")
                    .append("<input type=\"hidden\" name=\"allowance\" value=\"").append(escape(confirm.allowance()))
                    .append("\">\n<input type=\"hidden\" name=\"path\" value=\"").append(escape(confirm.path()))
                    .append("\">\n<p><button class=\"pay\" type=\"submit\">Continue and pay ")
                    .append(escape(rule.price().toDisplayString())).append("</button></p>\n</form>\n");
        } else if (error != ErrorCode.PAYMENT_REQUIRED) {
            String why = message == null ? error.code() : message;
            main.append(topUp ? "<p role=\"alert\">The budget you gave " + seller + " has run out: " + escape(why)
                    + ".</p>\n" : "<p role=\"alert\">Your payment was not accepted: " + escape(why) + " ("
                    + escape(error.code()) + ")</p>\n");
        }
        for (int i = 0; i < offers.size(); i++) {
            main.append(offer(offers.get(i), i, topUp, confirm == null));
        }
        if (passes != null) {
            main.append(passButtons(rule, passes, offers.get(0).payLinks()));
        }
        List<PayLink> links = offers.stream().flatMap(o -> o.payLinks().stream()).toList();
        if (confirm == null && !links.isEmpty()) {
            String brokers = escape(links.stream().map(PayLink::brokerName).distinct()
                    .collect(Collectors.joining(" or ")));
            main.append("<p class=\"hint\">").append(topUp ? "Allow " + seller + " to charge more at " + brokers
                    + "; you come back here afterwards." : "You log in at " + brokers + ", choose how much " + seller
                    + " may charge, and come back here to read on.").append("</p>\n");
        }
        main.append(forPrograms(config, rule));
        return page(escape(title.isEmpty() ? "Payment required" : title) + " - " + seller, rule.page().backLink(),
                config.sellerName(), main.toString());
    }

    /** One offer: what it buys, its terms and a button per broker. */
    private static String offer(ReaderOffer offer, int index, boolean topUp, boolean withLinks) {
        StringBuilder html = new StringBuilder("<section class=\"offer\" aria-labelledby=\"offer-").append(index)
                .append("\">\n<p class=\"price\" id=\"offer-").append(index).append("\">")
                .append(escape(offer.whatItBuys())).append("</p>\n");
        if (!offer.terms().isEmpty()) {
            html.append("<p class=\"terms\">").append(escape(offer.terms())).append("</p>\n");
        }
        List<PayLink> links = withLinks ? offer.payLinks() : List.of();
        String price = escape(offer.price().toDisplayString());
        for (PayLink link : links) {
            html.append("<p><a class=\"pay\" href=\"").append(escape(link.url())).append("\">")
                    .append(topUp ? links.size() == 1 ? "Top up" : "Top up at " + escape(link.brokerName())
                            : "Pay " + price + " with " + escape(link.brokerName()))
                    .append("</a></p>\n");
        }
        return html.append("</section>\n").toString();
    }

    /** The note for programmers, collapsed at the bottom: where scrip comes from and which header carries it. */
    private static String forPrograms(GatewayConfig config, PriceRule rule) {
        List<GatewayConfig.Broker> brokers = config.brokers().stream().filter(b -> rule.acceptsBroker(b.id()))
                .toList();
        return "<details class=\"programs\"><summary>Paying from a program</summary>\n<p>This answer is an x402 "
                + "<code>402 Payment Required</code> (" + escape(rule.charge().configName()) + "). Get scrip for <code>"
                + escape(config.sellerId()) + "</code> at " + brokers.stream().map(b -> "<a href=\""
                + escape(b.tokenEndpoint().toString()) + "\">" + escape(b.tokenEndpoint().toString()) + "</a>")
                .collect(Collectors.joining(" or ")) + ", then send it in the <code>PAYMENT-SIGNATURE</code> header."
                + (rule.accepts(PayWord.SCHEME) ? " A PayWord hash chain pays here too." : "") + "</p>\n</details>\n";
    }

    /**
     * An offer per pass the rule sells, with a form per broker of the item's {@code links} (the broker's id posted
     * beside the pass, so the pass is bought where the reader chose): its title, price and broker on the button.
     */
    private static String passButtons(PriceRule rule, Offers.PassButtons passes, List<PayLink> links) {
        StringBuilder html = new StringBuilder();
        for (Pass pass : rule.passes()) {
            String price = escape(pass.price().toDisplayString());
            String duration = escape(ReaderWords.duration(pass.duration().toSeconds()));
            html.append("<section class=\"offer\">\n<p class=\"price\">").append(price).append(" for ")
                    .append(escape(pass.title())).append("</p>\n<p class=\"terms\">Read every page it covers as "
                            + "often as you like for ").append(duration).append(".</p>\n");
            for (PayLink link : links) {
                html.append("<form method=\"post\" action=\"").append(escape(passes.action())).append("\">\n")
                        .append("<input type=\"hidden\" name=\"path\" value=\"").append(escape(passes.path()))
                        .append("\">\n<input type=\"hidden\" name=\"pass\" value=\"").append(escape(pass.id()))
                        .append("\">\n<input type=\"hidden\" name=\"broker\" value=\"")
                        .append(escape(link.brokerId())).append("\">\n<p><button class=\"pay\" type=\"submit\">Buy ")
                        .append(escape(pass.title())).append(": ").append(price).append(" with ")
                        .append(escape(link.brokerName())).append("</button></p>\n</form>\n");
            }
            html.append("</section>\n");
        }
        return html.toString();
    }

    /** A page saying why something the browser sent was refused, with a machine-readable code. */
    public static byte[] problemPage(String title, String message, String code) {
        return page(escape(title), "/", null, "<h1>" + escape(title) + "</h1>\n<p role=\"alert\">" + escape(message)
                + " (" + escape(code) + ").</p>\n");
    }

    /** The frame: {@code title} and {@code main} are HTML already; a link back to the site first. */
    private static byte[] page(String title, String backLink, String siteName, String main) {
        String page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + title + "</title>\n<style>" + STYLE + "</style>\n</head>\n<body>\n"
                + "<nav><a class=\"back\" href=\"" + escape(backLink) + "\">&larr; Back to "
                + (siteName == null ? "the site" : escape(siteName)) + "</a></nav>\n<main>\n" + main
                + "</main>\n</body>\n</html>\n";
        return page.getBytes(StandardCharsets.UTF_8);
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

    private static String sha256(String style) {
        try {
            return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(style.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
