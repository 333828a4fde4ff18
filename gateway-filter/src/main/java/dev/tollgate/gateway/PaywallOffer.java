package dev.tollgate.gateway;

import dev.tollgate.protocol.Money;
import jakarta.servlet.ServletRequest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The paywall of an unpaid browser request on a rule with {@code paywall: app}, for the seller's app to render with
 * the item's own opening (docs/CONFIG.md, "The paywall"). The filter passes such a request on to the app with this
 * offer in the request attribute {@link #REQUEST_ATTRIBUTE} and the response's status already 402, its
 * {@code PAYMENT-REQUIRED} header set. Immutable.
 *
 * <p>What the filter guarantees, so that the app cannot serve the paid content by mistake:
 * <ul>
 *   <li>the status stays 402: {@code setStatus}, {@code sendError} and {@code sendRedirect} do not change it, and
 *       {@code Cache-Control: no-store}, {@code PAYMENT-REQUIRED}, {@code Content-Length} and {@code Content-Range}
 *       are the filter's, whatever the app sets;</li>
 *   <li>what the app writes, and the headers and cookies it sets, are held (the body up to 256 KiB) and sent only if
 *       the app read this attribute (with {@link #of} or {@code getAttribute}) during the request: an app or servlet
 *       that does not know the request is unpaid (a static file servlet, a page written before the rule said
 *       {@code paywall: app}) has its output discarded, and the filter's own paywall page is sent instead; so is it
 *       when the app throws, calls {@code startAsync} (refused) or writes more than 256 KiB (the write throws);</li>
 *   <li>{@link Payment#REQUEST_ATTRIBUTE} is absent: nothing was paid.</li>
 * </ul>
 * An app that reads the offer and writes the whole paid body anyway serves it, with status 402: the attribute is
 * how the app learns the request is unpaid, and writing only the opening is its part. So only what renders the
 * paywall may read it: a filter behind Tollgate calling {@link #of} on every request would make any servlet's whole
 * body be sent.
 *
 * @param title the item's title ({@code title}, else {@code description} of its rule); may be empty
 * @param description the rule's {@code description} when it has a title too; else empty
 * @param backLink the rule's {@code back-link}: where "back to the site" goes
 * @param errorCode why the request is not paid: {@code payment_required} when it carried no payment, else the code
 *     of the refusal ({@code insufficient_budget} when the budget in the cookie ran out, ...)
 * @param reason the refusal in a sentence for people; empty when the request simply carried no payment
 * @param choices the ways to pay, the item's own price first
 * @since 0.6
 */
public record PaywallOffer(String title, String description, String backLink, String errorCode,
                           Optional<String> reason, List<Choice> choices) {

    /** The request attribute holding the {@code PaywallOffer} of an unpaid request on a {@code paywall: app} rule. */
    public static final String REQUEST_ATTRIBUTE = "dev.tollgate.paywall";

    /**
     * One way to pay.
     *
     * @param price what it costs
     * @param whatItBuys in a reader's words: "0.05 USD for this page"
     * @param terms fine print under it; may be empty
     * @param buttons one per broker the buyer may pay at; empty when no purchase can start from this request (a
     *     request the browser made ahead of a click, or a HEAD)
     */
    public record Choice(Money price, String whatItBuys, String terms, List<PayButton> buttons) {

        public Choice {
            Objects.requireNonNull(price, "price cannot be null.");
            Objects.requireNonNull(whatItBuys, "whatItBuys cannot be null.");
            Objects.requireNonNull(terms, "terms cannot be null.");
            buttons = List.copyOf(buttons);
        }
    }

    /**
     * A pay button: a link (GET) to the broker's pay page for this purchase.
     *
     * @param label what the button says: "Pay 0.05 USD with Tollgate Demo Broker", or "Top up"
     * @param brokerName the broker's name
     * @param url the broker's pay page, absolute and URL-encoded: escape it for HTML as any attribute value
     */
    public record PayButton(String label, String brokerName, String url) {

        public PayButton {
            Objects.requireNonNull(label, "label cannot be null.");
            Objects.requireNonNull(brokerName, "brokerName cannot be null.");
            Objects.requireNonNull(url, "url cannot be null.");
        }
    }

    public PaywallOffer {
        Objects.requireNonNull(title, "title cannot be null.");
        Objects.requireNonNull(description, "description cannot be null.");
        Objects.requireNonNull(backLink, "backLink cannot be null.");
        Objects.requireNonNull(errorCode, "errorCode cannot be null.");
        Objects.requireNonNull(reason, "reason cannot be null.");
        choices = List.copyOf(choices);
    }

    /** The offer of an unpaid request the filter passed on to the app, or empty: a paid or free request. */
    public static Optional<PaywallOffer> of(ServletRequest request) {
        return request.getAttribute(REQUEST_ATTRIBUTE) instanceof PaywallOffer offer ? Optional.of(offer)
                : Optional.empty();
    }
}
