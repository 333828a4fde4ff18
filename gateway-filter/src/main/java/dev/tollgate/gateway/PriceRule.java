package dev.tollgate.gateway;

import dev.tollgate.protocol.Money;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One validated price rule: requests whose path matches {@code match} (and whose method is in {@code methods}, when
 * given) are charged {@code price} by {@code charge}. Rules are tried in order; the first match wins. Immutable.
 *
 * @param match the glob as written in the config ({@code /articles/**}, {@code *.mp4}, {@code /about})
 * @param methods upper-case HTTP methods the rule applies to; empty means every method
 * @param price what one charge costs; zero for {@link ChargeModel#FREE}
 * @param charge how the price is charged
 * @param description shown to the buyer in the 402 offer; may be empty
 * @param mimeType what the content is, for the offer's {@code resource.mimeType}; may be absent
 * @param online whether the broker must confirm each charge before the content is served ({@code confirm: online},
 *               or a per-click price at or above {@code online-above}); resolved when the config is loaded
 * @since 0.1
 */
public record PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                        Optional<String> mimeType, boolean online) {

    public PriceRule {
        Objects.requireNonNull(match, "match cannot be null.");
        methods = Set.copyOf(methods);
        Objects.requireNonNull(price, "price cannot be null.");
        Objects.requireNonNull(charge, "charge cannot be null.");
        Objects.requireNonNull(description, "description cannot be null.");
        Objects.requireNonNull(mimeType, "mimeType cannot be null.");
        if (online && charge != ChargeModel.PER_CLICK) {
            throw new IllegalArgumentException("only a per-click rule can be confirmed online");
        }
    }

    /** An offline rule: charges are confirmed by the gateway's own ledger alone. */
    public PriceRule(String match, Set<String> methods, Money price, ChargeModel charge, String description,
                     Optional<String> mimeType) {
        this(match, methods, price, charge, description, mimeType, false);
    }

    /** Whether the rule applies to requests with this (upper-case) method. A rule for GET also covers HEAD. */
    public boolean appliesTo(String method) {
        return methods.isEmpty() || methods.contains(method) || (method.equals("HEAD") && methods.contains("GET"));
    }
}
