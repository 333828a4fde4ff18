package dev.tollgate.buyer;

import dev.tollgate.protocol.Money;
import java.time.Duration;
import java.util.Currency;
import java.util.Objects;

/**
 * What one {@link TollgateClient} may spend: at most so much per request, per seller, in all, and within any time
 * window, in one currency. Amounts are micro-units; {@link Long#MAX_VALUE} means no limit. The limits count what the
 * client has given sellers since it was built (scrip charges, PayWord words revealed), and what requests in flight
 * may still be charged. Immutable and thread-safe.
 *
 * <pre>{@code
 * SpendingLimits limits = SpendingLimits.builder("USD").maxPerRequest("0.10").maxTotal("5.00")
 *         .maxPerWindow("1.00", Duration.ofHours(1)).build();
 * }</pre>
 *
 * @since 0.1
 */
public final class SpendingLimits {

    /** No limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final Currency currency;
    private final long maxPerRequest;
    private final long maxPerSeller;
    private final long maxTotal;
    private final long maxPerWindow;
    private final Duration window;

    private SpendingLimits(Builder b) {
        this.currency = b.currency;
        this.maxPerRequest = b.maxPerRequest;
        this.maxPerSeller = b.maxPerSeller;
        this.maxTotal = b.maxTotal;
        this.maxPerWindow = b.maxPerWindow;
        this.window = b.window;
    }

    /** A builder of limits in {@code currency} (an ISO 4217 code), all unlimited until set. */
    public static Builder builder(String currency) {
        return new Builder(Currency.getInstance(Objects.requireNonNull(currency, "currency cannot be null.")));
    }

    public Currency currency() {
        return currency;
    }

    public long maxPerRequest() {
        return maxPerRequest;
    }

    public long maxPerSeller() {
        return maxPerSeller;
    }

    public long maxTotal() {
        return maxTotal;
    }

    public long maxPerWindow() {
        return maxPerWindow;
    }

    /** The window of {@link #maxPerWindow()}; one hour unless set. */
    public Duration window() {
        return window;
    }

    /** The amount in this currency, for messages. */
    Money money(long micros) {
        return Money.ofMicros(micros, currency);
    }

    @Override
    public String toString() {
        return "max per request " + text(maxPerRequest) + ", per seller " + text(maxPerSeller) + ", total "
                + text(maxTotal) + ", per " + window + " " + text(maxPerWindow);
    }

    private String text(long micros) {
        return micros == UNLIMITED ? "unlimited" : money(micros).toString();
    }

    /** Builds {@link SpendingLimits}; not thread-safe. */
    public static final class Builder {

        private final Currency currency;
        private long maxPerRequest = UNLIMITED;
        private long maxPerSeller = UNLIMITED;
        private long maxTotal = UNLIMITED;
        private long maxPerWindow = UNLIMITED;
        private Duration window = Duration.ofHours(1);

        private Builder(Currency currency) {
            this.currency = currency;
        }

        /** The most one request may cost, such as {@code "0.10"}. */
        public Builder maxPerRequest(String amount) {
            maxPerRequest = parse(amount, "max per request");
            return this;
        }

        /** The most all requests to one seller may cost. */
        public Builder maxPerSeller(String amount) {
            maxPerSeller = parse(amount, "max per seller");
            return this;
        }

        /** The most all requests may cost. */
        public Builder maxTotal(String amount) {
            maxTotal = parse(amount, "max total");
            return this;
        }

        /**
         * The most spent within any {@code window} (at least one second): a sliding window kept in 60 buckets, so
         * a charge counts for up to one bucket (window / 60) longer than the window; never shorter.
         */
        public Builder maxPerWindow(String amount, Duration window) {
            Objects.requireNonNull(window, "window cannot be null.");
            if (window.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("window must be at least one second: " + window);
            }
            maxPerWindow = parse(amount, "max per window");
            this.window = window;
            return this;
        }

        public SpendingLimits build() {
            return new SpendingLimits(this);
        }

        private long parse(String amount, String what) {
            Money money = Money.parse(Objects.requireNonNull(amount, what + " cannot be null."), currency);
            if (!money.currency().equals(currency)) {
                throw new IllegalArgumentException(what + " " + amount + " is not in " + currency);
            }
            return money.micros();
        }
    }
}
