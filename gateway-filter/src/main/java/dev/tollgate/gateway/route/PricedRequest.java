package dev.tollgate.gateway.route;

import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.gateway.PriceRule;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A request the route stage found priced: what every later stage (reading the payment, the payment scheme, the charge
 * model, the answers) works on. Made once per priced request by {@link Router}.
 *
 * @param current the config in force when the request arrived: every stage of one request sees the same prices
 * @param rule the price rule that matched, never a free one
 * @param path the path the rule matched ({@link RequestPaths#pathOf}), which names the charged resource
 * @param chain the rest of the filter chain: the app, which a paid request, or an unpaid one under
 *     {@code paywall: app}, goes on to
 */
public record PricedRequest(HttpServletRequest request, HttpServletResponse response, Snapshot current, PriceRule rule,
                     String path, FilterChain chain) {
}
