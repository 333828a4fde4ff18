package dev.tollgate.broker;

import dev.tollgate.protocol.Money;
import java.time.Clock;
import java.util.Currency;
import java.util.List;
import java.util.Map;

/**
 * The HTML of the browser pages. Every value that did not come from this class is escaped with {@link #escape};
 * there is no inline style or event handler, so the pages run under a CSP without {@code 'unsafe-inline'}.
 */
final class Html {

    /** The payment page a seller's 402 page links to: the login form, or the consent page with a session. */
    static final String PAY_PATH = "/pay";
    /** Where the login form posts. */
    static final String LOGIN_PATH = "/pay/login";
    /** Where the consent page posts. */
    static final String CONSENT_PATH = "/pay/consent";
    static final String STYLESHEET_PATH = "/pay/style.css";

    static final String STYLESHEET = """
            body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
            h1{font-size:1.4rem}
            form{margin:1rem 0}
            label{display:block;margin:.5rem 0 .2rem}
            fieldset{border:1px solid #bbb;border-radius:6px;margin:1rem 0}
            fieldset label{display:inline;margin:0 .5rem 0 .2rem}
            .choice{margin:.3rem 0}
            input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
            button{padding:.5rem 1.2rem;margin:.5rem .5rem 0 0;font-size:1rem}
            .message{border-left:4px solid #b00020;padding:.3rem .8rem;background:#fdecea}
            dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem}
            .brand{font-weight:700;color:#1a56db;margin:0 0 .5rem;letter-spacing:.02em}
            button.primary{background:#1a56db;color:#fff;border:0;border-radius:6px;font-weight:600}
            button.secondary{background:none;border:1px solid #999;border-radius:6px}
            .choice small{color:#555;display:block;margin-left:1.6rem}
            .lasts{background:#eef4fd;padding:.5rem .8rem;border-radius:6px}
            dt{font-weight:600}
            dd{margin:0}
            """;

    private Html() {
    }

    /** Escapes text for HTML element content and double- or single-quoted attribute values. */
    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * An amount for people: {@code 1.50 USD}, {@code 0.001 USD}; the one money format of the seller's pages too
     * ({@link Money#toDisplayString}).
     */
    static String money(long micros, String currency) {
        return Money.display(micros, Currency.getInstance(currency));
    }

    /** A whole page. {@code body} is HTML already. */
    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + "</title>"
                + "<link rel=\"stylesheet\" href=\"" + STYLESHEET_PATH + "\"></head>\n<body><main>"
                + body + "</main></body></html>\n";
    }

    static String error(String message) {
        return page("Payment request refused", "<h1>This payment request cannot be completed</h1><p>"
                + escape(message) + "</p><p>Nothing was charged. Go back to the site you came from.</p>");
    }

    static String message(String message) {
        return message == null ? "" : "<p class=\"message\" role=\"alert\">" + escape(message) + "</p>";
    }

    /** Hidden inputs carrying {@code fields}. */
    static String hidden(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder();
        fields.forEach((name, value) -> sb.append("<input type=\"hidden\" name=\"").append(escape(name))
                .append("\" value=\"").append(escape(value)).append("\">"));
        return sb.toString();
    }

    static String login(Broker broker, PayRequest pay, String csrf, String currency, String message) {
        return page("Log in to pay " + pay.seller().name() + " - " + broker.name(), brand(broker)
                + "<h1>Log in to pay " + escape(pay.seller().name()) + "</h1>" + message(message)
                + "<p>Log in with your " + escape(broker.name()) + " account; you choose how much "
                + escape(pay.seller().name()) + " may charge next.</p>" + summary(pay, currency)
                + "<form method=\"post\" action=\"" + LOGIN_PATH + "\">" + hidden(pay.fields())
                + "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">"
                + "<label for=\"username\">Username</label>"
                + "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required"
                + " maxlength=\"64\" autocapitalize=\"none\" spellcheck=\"false\">"
                + "<label for=\"password\">Password</label>"
                + "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\""
                + " required maxlength=\"" + Passwords.MAX_LENGTH + "\">"
                + "<button class=\"primary\" type=\"submit\" name=\"action\" value=\"login\">Log in</button>"
                + "<button class=\"secondary\" type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>"
                + "Cancel</button>"
                + "</form>");
    }

    /**
     * The page that hands the result back to the seller: a form POSTing {@code fields} to {@code action},
     * submitted by a script carrying {@code nonce}, with a visible button for browsers without scripts.
     */
    static String handBack(String action, Map<String, String> fields, String sellerName, String nonce,
                           String heading) {
        return page(heading, "<h1>" + escape(heading) + "</h1>"
                + "<form id=\"return\" method=\"post\" action=\"" + escape(action) + "\">" + hidden(fields)
                + "<button type=\"submit\">Continue to " + escape(sellerName) + "</button></form>"
                + "<script nonce=\"" + escape(nonce) + "\">document.getElementById('return').submit();</script>");
    }

    /**
     * Who the pages are from, as the buyer sees it.
     *
     * @param name the broker's name, on every page
     * @param clock what the allowance's expiry is told from
     */
    record Broker(String name, Clock clock) {
    }

    /** The broker's name over a page. */
    static String brand(Broker broker) {
        return "<p class=\"brand\">" + escape(broker.name()) + "</p>";
    }

    static String summary(PayRequest pay, String currency) {
        String item = pay.item().isEmpty() ? "An item" : pay.item();
        return "<dl><dt>Seller</dt><dd>" + escape(pay.seller().name()) + "</dd><dt>Item</dt><dd>" + escape(item)
                + "</dd><dt>Price</dt><dd>" + escape(money(pay.price(), currency)) + "</dd></dl>";
    }
}
