package dev.tollgate.gateway;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A price function for tests, named in their configs: the price in micro-units the request's {@code X-Price} header
 * says ({@code throw}: it throws), else {@link #DEFAULT_MICROS}. Counts its calls.
 */
public final class TestPrices implements PriceFunction {

    static final long DEFAULT_MICROS = 80_000;
    static final AtomicInteger CALLS = new AtomicInteger();

    @Override
    public long priceMicros(Request request) {
        CALLS.incrementAndGet();
        String asked = request.header("X-Price");
        if (asked == null) {
            return DEFAULT_MICROS;
        }
        if (asked.equals("throw")) {
            throw new IllegalStateException("the pricing service is down");
        }
        return Long.parseLong(asked);
    }
}
