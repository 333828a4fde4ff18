package dev.tollgate.site;

import dev.tollgate.gateway.PaywallOffer;
import java.util.stream.Collectors;

/**
 * The pay box the site's own pages show under an item's opening when the gateway passes an unpaid request on
 * ({@code paywall: app}): why the request is not paid, what each offer buys and a button per broker.
 */
final class Paybox {

    private Paybox() {
    }

    /** The box, in HTML: every value from the offer escaped. */
    static String of(PaywallOffer offer, String siteName) {
        StringBuilder html = new StringBuilder("<aside class=\"paybox\" aria-label=\"Pay to read on\">\n");
        offer.reason().ifPresent(reason -> html.append("<p class=\"alert\" role=\"alert\">")
                .append(Html.esc(Character.toUpperCase(reason.charAt(0)) + reason.substring(1))).append(".</p>\n"));
        boolean anyButton = false;
        for (PaywallOffer.Choice choice : offer.choices()) {
            html.append("<p class=\"offer\"><strong>").append(Html.esc(choice.whatItBuys())).append("</strong>");
            if (!choice.terms().isEmpty()) {
                html.append("<br><small>").append(Html.esc(choice.terms())).append("</small>");
            }
            html.append("</p>\n");
            for (PaywallOffer.PayButton button : choice.buttons()) {
                anyButton = true;
                html.append("<p><a class=\"pay\" href=\"").append(Html.esc(button.url())).append("\">")
                        .append(Html.esc(button.label())).append("</a></p>\n");
            }
        }
        boolean topUp = offer.choices().stream().flatMap(c -> c.buttons().stream())
                .anyMatch(b -> b.label().startsWith("Top up"));
        html.append("<p><small>").append(!anyButton ? "Open this page yourself to pay for it."
                : topUp ? "Allow " + Html.esc(siteName) + " to charge more at " + Html.esc(offer.choices().stream()
                .flatMap(c -> c.buttons().stream()).map(PaywallOffer.PayButton::brokerName).distinct()
                .collect(Collectors.joining(" or "))) + "; you come back here afterwards." : "You log in at your broker, choose how much " + Html.esc(siteName) + " may charge, "
                + "and come back here to read on. Further articles are then paid with a click.").append("</small></p>\n");
        return html.append("</aside>\n").toString();
    }
}
