package dev.tollgate.buyer;

import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * An answer from {@link TollgateClient#send}: the HTTP response and, if the client paid for it, the receipt.
 * Immutable if the body is.
 *
 * @param response the response (of the paid request, or of the first one if the content was free)
 * @param receipt what was paid; empty if nothing was
 * @param <T> the body type
 * @since 0.1
 */
public record PaidResponse<T>(HttpResponse<T> response, Optional<Receipt> receipt) {

    /** The response's body. */
    public T body() {
        return response.body();
    }

    /** What the request cost in micro-units; 0 if it was free. */
    public long paidMicros() {
        return receipt.map(Receipt::amountMicros).orElse(0L);
    }
}
