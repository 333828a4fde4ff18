package dev.tollgate.broker;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The consent page's HTML: the broker's name, what is bought and its price, the budget choices each split into what
 * the item takes now and what is left for later, a typed amount, how long the allowance lasts, Allow as the primary
 * action. Its one script, allowed by the page's nonce, ticks "Another amount" when the buyer types one; without
 * scripts the server says what to do ({@link ConsentPage}).
 */
final class ConsentHtml {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm 'UTC' 'on' d MMM")
            .withZone(ZoneOffset.UTC);

    private ConsentHtml() {
    }

    /**
     * The page: the budget choices (micro-units, the first checked), a custom amount, Allow and Cancel. With no
     * choices the balance does not cover the price and only Cancel is offered.
     */
    static String page(Html.Broker broker, PayRequest pay, String csrf, String username, long balance,
                       List<Long> choices, String currency, String message, String nonce) {
        String seller = Html.escape(pay.seller().name());
        StringBuilder sb = new StringBuilder(Html.brand(broker)).append("<h1>Allow ").append(seller)
                .append(" to charge you</h1>").append(Html.message(message)).append(Html.summary(pay, currency))
                .append("<dl><dt>Your balance</dt><dd>").append(Html.escape(Html.money(balance, currency)))
                .append("</dd><dt>Signed in as</dt><dd>").append(Html.escape(username)).append("</dd></dl>")
                .append("<form method=\"post\" action=\"" + Html.CONSENT_PATH + "\">").append(Html.hidden(pay.fields()))
                .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(Html.escape(csrf)).append("\">");
        if (choices.isEmpty()) {
            sb.append("<p>Your balance does not cover the price of this item.</p>");
        } else {
            sb.append("<fieldset><legend>Allow ").append(seller).append(" to charge up to</legend>");
            for (int i = 0; i < choices.size(); i++) {
                long budget = choices.get(i);
                String id = "budget-" + i;
                sb.append("<div class=\"choice\"><input type=\"radio\" name=\"budget\" id=\"").append(id)
                        .append("\" value=\"").append(budget).append('"').append(i == 0 ? " checked" : "")
                        .append("><label for=\"").append(id).append("\">")
                        .append(Html.escape(Html.money(budget, currency))).append("</label>")
                        .append(split(pay.price(), budget, currency)).append("</div>");
            }
            sb.append("<div class=\"choice\"><input type=\"radio\" name=\"budget\" id=\"budget-custom\""
                    + " value=\"custom\"><label for=\"budget-custom\">Another amount, in ")
                    .append(Html.escape(currency)).append("</label> <input type=\"text\" id=\"custom\" name=\"custom\""
                    + " inputmode=\"decimal\" maxlength=\"12\" placeholder=\"3.00\" aria-labelledby=\"budget-custom\">"
                    + "<small>").append(Html.escape(Html.money(pay.price(), currency)))
                    .append(" taken now, the rest left for later</small></div></fieldset>");
            Instant expires = broker.clock().instant().plus(ScripRules.DEFAULT_TTL);
            sb.append("<p class=\"lasts\">The allowance lasts ").append(hours(ScripRules.DEFAULT_TTL.toMinutes()))
                    .append(", until ").append(TIME.format(expires)).append(". What ").append(seller)
                    .append(" has not charged by then goes back to your balance.</p>")
                    .append("<button class=\"primary\" type=\"submit\" name=\"action\" value=\"allow\">Allow</button>");
        }
        sb.append("<button class=\"secondary\" type=\"submit\" name=\"action\" value=\"cancel\" formnovalidate>Cancel"
                + "</button></form>");
        if (!choices.isEmpty()) {
            // Typing an amount chooses it: the buyer need not also tick its radio.
            sb.append("<script nonce=\"").append(Html.escape(nonce)).append("\">document.getElementById('custom')"
                    + ".addEventListener('input',function(){document.getElementById('budget-custom').checked=true;});"
                    + "</script>");
        }
        return Html.page("Pay " + pay.seller().name() + " - " + broker.name(), sb.toString());
    }

    /** "0.05 USD taken now, 0.45 USD left for later" under a budget choice. */
    private static String split(long price, long budget, String currency) {
        return "<small>" + Html.escape(Html.money(price, currency)) + " taken now, "
                + Html.escape(Html.money(budget - price, currency)) + " left for later</small>";
    }

    /** "1 hour", "90 minutes", "2 hours". */
    private static String hours(long minutes) {
        if (minutes % 60 == 0) {
            return minutes / 60 + (minutes == 60 ? " hour" : " hours");
        }
        return minutes + " minutes";
    }
}
