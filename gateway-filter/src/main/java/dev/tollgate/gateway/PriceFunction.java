package dev.tollgate.gateway;

import java.time.Instant;

/**
 * Prices a request of a rule that names it ({@code price-function: com.example.MyPrices} with {@code max-price}; see
 * docs/CONFIG.md, "Dynamic prices"), instead of the rule's fixed price. Loaded from the web app's class loader when the
 * config is loaded, through a public no-argument constructor, one instance per config load; called once per request
 * of its rule, on the container's threads, so it must be thread-safe and fast (no network, no blocking): it is on the
 * paid path.
 *
 * <p>The price it returns is what the 402 offers and what the payment must have agreed to: the request that pays is
 * priced again, and a payment that agreed to less is refused ({@code price_changed}) with an offer at the new price.
 * A function that throws, or returns less than 0 or more than the rule's {@code max-price}, fails closed: the request
 * gets a 503 {@code price_unavailable} and no content. 0 serves the request free.
 *
 * @since 0.6
 */
@FunctionalInterface
public interface PriceFunction {

    /** What {@code request} costs, in micro-units of the config's currency: 0 to the rule's {@code max-price}. */
    long priceMicros(Request request);

    /** What a price may depend on. The request's body is not offered: reading it would take it from the app. */
    interface Request {
        /** The path within the web app, as the rule matched it. */
        String path();

        /** The request's method, upper-case. */
        String method();

        /** The first value of the header {@code name}, or {@code null}; chosen by the buyer, like the path. */
        String header(String name);

        /** The request's {@code Content-Length}, or -1 if it has none. */
        long contentLength();

        /** The gateway's clock, read once for this request. */
        Instant now();
    }
}
