package dev.tollgate.gateway.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a ledger has recorded, for the seller's dashboard ({@link LedgerView#sales}). Amounts are micro-units of the
 * gateway's currency. Immutable.
 *
 * @param byResource revenue per resource (request path or stream key), charges net of refunds, highest first
 * @param recent the latest charges, newest first, refunded ones included
 * @param settledMicros what the broker has confirmed paying: scrip and PayWord chains' settled amounts
 * @param unsettledMicros what is charged but not yet confirmed by the broker
 * @param byIssuer the same per broker, by the issuer of the scrip and chains charged, issuers in alphabetical order
 *                 (since 0.5; empty from a ledger that does not tell them apart)
 * @since 0.2
 */
public record Sales(List<Resource> byResource, List<Charge> recent, long settledMicros, long unsettledMicros,
                    List<Issuer> byIssuer) {

    public Sales {
        byResource = List.copyOf(byResource);
        recent = List.copyOf(recent);
        byIssuer = List.copyOf(byIssuer);
        if (settledMicros < 0 || unsettledMicros < 0) {
            throw new IllegalArgumentException("settlement totals must not be negative");
        }
    }

    /** Sales without totals per broker. */
    public Sales(List<Resource> byResource, List<Charge> recent, long settledMicros, long unsettledMicros) {
        this(byResource, recent, settledMicros, unsettledMicros, List.of());
    }

    /**
     * What one broker's scrip and chains were charged and settled.
     *
     * @param issuer the broker's issuer
     * @param revenueMicros its charges net of refunds
     * @param charges how many of its charges were not refunded
     * @param settledMicros what the broker has confirmed paying
     * @param unsettledMicros what is charged on its scrip and chains but not yet confirmed
     * @since 0.5
     */
    public record Issuer(String issuer, long revenueMicros, long charges, long settledMicros, long unsettledMicros) {
        public Issuer {
            Objects.requireNonNull(issuer, "issuer cannot be null.");
        }
    }

    /** All revenue, net of refunds: the sum of {@link #byResource}. */
    public long revenueMicros() {
        long total = 0;
        for (Resource resource : byResource) {
            total = Math.addExact(total, resource.revenueMicros());
        }
        return total;
    }

    /**
     * Revenue from one resource.
     *
     * @param resource the request path, or the stream key for per-stream charges
     * @param revenueMicros its charges net of refunds
     * @param charges how many charges it had that were not refunded
     */
    public record Resource(String resource, long revenueMicros, long charges) {
        public Resource {
            Objects.requireNonNull(resource, "resource cannot be null.");
        }
    }

    /**
     * One charge.
     *
     * @param at when it was charged
     * @param resource what was bought
     * @param amountMicros what it cost
     * @param receiptId its receipt, as the buyer got it
     * @param refunded whether it was returned to the buyer
     */
    public record Charge(Instant at, String resource, long amountMicros, String receiptId, boolean refunded) {
        public Charge {
            Objects.requireNonNull(at, "at cannot be null.");
            Objects.requireNonNull(resource, "resource cannot be null.");
            Objects.requireNonNull(receiptId, "receiptId cannot be null.");
        }
    }
}
