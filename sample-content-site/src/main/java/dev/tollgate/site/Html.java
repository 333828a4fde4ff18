package dev.tollgate.site;

import dev.tollgate.gateway.ChargeModel;
import dev.tollgate.gateway.Payment;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.protocol.Money;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Currency;
import java.util.Optional;

/** The site's page frame, escaping and labels. Pages load only /site.css from this site: nothing external. */
final class Html {

    private Html() {
    }

    static String esc(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Writes a whole page: the frame around {@code main} (already escaped HTML). */
    static void page(HttpServletResponse response, int status, String siteName, String title, String main)
            throws IOException {
        response.setStatus(status);
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "same-origin");
        String html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + esc(title) + " · " + esc(siteName) + "</title>\n"
                + "<link rel=\"stylesheet\" href=\"/site.css\">\n</head>\n<body>\n"
                + "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
                + "<header><nav aria-label=\"Site\"><a class=\"brand\" href=\"/\">" + esc(siteName) + "</a>"
                + " <a href=\"/admin\">Dashboard</a></nav></header>\n"
                + "<main id=\"main\">\n" + main + "\n</main>\n"
                + "<footer><p>A Tollgate demo. Prices live in <code>config/gateway.yaml</code>.</p></footer>\n"
                + "</body>\n</html>\n";
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** "0.10 USD", "0.002 USD": the one money format of every page ({@link Money#toDisplayString}). */
    static String money(long micros, Currency currency) {
        return Money.display(micros, currency);
    }

    static String money(long micros, String currencyCode) {
        return money(micros, Currency.getInstance(currencyCode));
    }

    /** "0.05 USD", or "Free". */
    static String price(Optional<PriceRule> rule) {
        if (rule.isEmpty() || rule.get().charge() == ChargeModel.FREE) {
            return "Free";
        }
        Money price = rule.get().price();
        return price.toDisplayString();
    }

    /** How the rule charges, in words: "per click", "per stream, 4h of watching", "per 64 KiB". */
    static String chargeModel(Optional<PriceRule> rule) {
        if (rule.isEmpty()) {
            return "no rule: free";
        }
        PriceRule r = rule.get();
        return switch (r.charge()) {
            case FREE -> "free";
            case PER_CLICK -> "per click";
            case PER_STREAM -> "per stream, " + duration(r.window().orElse(PriceRule.DEFAULT_WINDOW))
                    + " of watching";
            case METERED -> "metered, per " + bytes(r.unitBytes());
        };
    }

    static String duration(Duration d) {
        long s = d.toSeconds();
        if (s % 86_400 == 0 && s > 86_400) {
            return s / 86_400 + "d";
        }
        if (s % 3_600 == 0) {
            return s / 3_600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    static String bytes(long n) {
        if (n % (1L << 30) == 0) {
            return n / (1L << 30) + " GiB";
        }
        if (n % (1L << 20) == 0) {
            return n / (1L << 20) + " MiB";
        }
        if (n % 1024 == 0) {
            return n / 1024 + " KiB";
        }
        return n + " B";
    }

    /** The box on every paid page: what was just paid and what is left on the scrip. */
    static String paymentBox(Object attribute) {
        if (!(attribute instanceof Payment p)) {
            return "<p class=\"paid free\" role=\"status\">Free to read: nothing was charged.</p>";
        }
        String paid = p.amountMicros() == 0 ? "Nothing was charged for this request" + why(p.basis())
                : "You just paid <strong>" + esc(money(p.amountMicros(), p.currency())) + "</strong>";
        return "<p class=\"paid\" role=\"status\">" + paid + "; <strong>"
                + esc(money(p.remainingMicros(), p.currency())) + "</strong> is left on your budget."
                + (p.receiptId().isEmpty() ? "" : " Receipt <code>" + esc(p.receiptId()) + "</code>.") + "</p>";
    }

    /** Why an uncharged request was served, in a reader's words; empty when there is nothing to add. */
    private static String why(Payment.Basis basis) {
        return switch (basis) {
            case ACCESS_WINDOW -> " (you bought this page earlier)";
            case PASS -> " (your pass covers it)";
            case STREAM_WINDOW -> " (you bought it earlier)";
            default -> "";
        };
    }
}
