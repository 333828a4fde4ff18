package dev.tollgate.gateway.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * The ledger's view of one verified scrip: a prepaid budget that one seller may draw down.
 *
 * <p>Identity is {@code (issuer, jti)}: two brokers may issue the same {@code jti}. Immutable and thread-safe.
 *
 * @param issuer the broker's issuer URL ({@code iss})
 * @param jti the scrip id, unique per issuer
 * @param buyer the buyer pseudonym ({@code sub})
 * @param seller the seller id the scrip is for ({@code aud})
 * @param budgetMicros the budget in micro-units (10^-6 of the currency unit)
 * @param currency the ISO 4217 currency code
 * @param expiresAt when the scrip stops being spendable ({@code exp})
 * @since 0.1
 */
public record ScripAccount(String issuer, String jti, String buyer, String seller, long budgetMicros, String currency,
                           Instant expiresAt) {

    public ScripAccount {
        Objects.requireNonNull(issuer, "issuer cannot be null.");
        Objects.requireNonNull(jti, "jti cannot be null.");
        Objects.requireNonNull(buyer, "buyer cannot be null.");
        Objects.requireNonNull(seller, "seller cannot be null.");
        Objects.requireNonNull(currency, "currency cannot be null.");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null.");
        if (budgetMicros < 0) {
            throw new IllegalArgumentException("budget must not be negative: " + budgetMicros);
        }
    }
}
