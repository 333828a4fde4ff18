package dev.tollgate.buyer;

import dev.tollgate.protocol.Money;
import java.util.Currency;

/**
 * A payment the buyer's {@link SpendingLimits} do not allow; nothing was paid for it. Says which limit stopped it and
 * by how much the payment exceeds what that limit has left.
 *
 * @since 0.1
 */
public final class LimitExceededException extends PaymentException {

    private static final long serialVersionUID = 1L;

    /** The limits a {@link TollgateClient} enforces. */
    public enum Limit {
        /** {@link SpendingLimits#maxPerRequest()}. */
        PER_REQUEST("the per-request limit"),
        /** {@link SpendingLimits#maxPerSeller()}. */
        PER_SELLER("the per-seller limit"),
        /** {@link SpendingLimits#maxTotal()}. */
        TOTAL("the total limit"),
        /** {@link SpendingLimits#maxPerWindow()} within {@link SpendingLimits#window()}. */
        PER_WINDOW("the limit per time window"),
        /** The most sellers one client pays ({@link Budget#MAX_SELLERS}): the per-seller totals are bounded. */
        SELLERS("the number of sellers one client pays");

        private final String words;

        Limit(String words) {
            this.words = words;
        }

        /** The limit in words, for messages. */
        public String words() {
            return words;
        }
    }

    private final Limit limit;
    private final long priceMicros;
    private final long leftMicros;

    LimitExceededException(Limit limit, String seller, long priceMicros, long leftMicros, Currency currency) {
        super(String.format("%s at %s is above %s: %s left, short by %s", Money.ofMicros(priceMicros, currency),
                seller, limit.words(), Money.ofMicros(Math.max(0, leftMicros), currency),
                Money.ofMicros(priceMicros - Math.max(0, leftMicros), currency)));
        this.limit = limit;
        this.priceMicros = priceMicros;
        this.leftMicros = Math.max(0, leftMicros);
    }

    /** Which limit stopped the payment. */
    public Limit limit() {
        return limit;
    }

    /** What the payment would have cost, in micro-units. */
    public long priceMicros() {
        return priceMicros;
    }

    /** What the limit had left, in micro-units. */
    public long leftMicros() {
        return leftMicros;
    }

    /** By how much the payment exceeds what the limit had left, in micro-units. */
    public long shortByMicros() {
        return priceMicros - leftMicros;
    }
}
