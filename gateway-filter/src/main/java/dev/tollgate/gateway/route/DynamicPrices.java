package dev.tollgate.gateway.route;

import dev.tollgate.gateway.PriceFunction;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.Answers;
import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.protocol.Money;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;

/**
 * Prices a request of a rule with a {@code price-function} (docs/CONFIG.md, "Dynamic prices"): calls the function once,
 * bounds its answer by the rule's {@code max-price}, and gives the request's stages the rule at that price
 * ({@link PriceRule#pricedAt}), so the offer, the check of what the payment agreed to and the charge all use it. A
 * function that throws or answers out of bounds fails closed: 503 {@code price_unavailable}. Thread-safe.
 */
final class DynamicPrices {

    private final Clock clock;

    DynamicPrices(Clock clock) {
        this.clock = clock;
    }

    /** The rule at this request's price, or {@code null} when the request was answered (503). */
    PriceRule price(PriceRule rule, HttpServletRequest request, HttpServletResponse response, String path)
            throws IOException {
        PriceFunction function = rule.priceFunction().orElseThrow();
        long micros;
        try {
            micros = function.priceMicros(new Query(request, path, clock.instant()));
        } catch (RuntimeException | LinkageError e) {
            Answers.priceUnavailable(request, response, path, function.getClass().getName() + " threw", e);
            return null;
        }
        if (micros < 0 || micros > rule.price().micros()) {
            Answers.priceUnavailable(request, response, path, function.getClass().getName() + " asked " + micros
                    + " micro-units, out of 0 to max-price " + rule.price().micros(), null);
            return null;
        }
        return rule.pricedAt(Money.ofMicros(micros, rule.price().currency()));
    }

    /** The request as the function sees it: no body, nothing it could change. */
    private record Query(HttpServletRequest request, String path, Instant now) implements PriceFunction.Request {
        @Override
        public String method() {
            return RequestPaths.upperCase(request.getMethod());
        }

        @Override
        public String header(String name) {
            return request.getHeader(name);
        }

        @Override
        public long contentLength() {
            return request.getContentLengthLong();
        }
    }
}
