package dev.tollgate.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The x402 v2 {@code PaymentRequirements}: one way a client may pay, offered in {@link PaymentRequired#accepts()} and
 * echoed back in {@link PaymentPayload#accepted()}.
 *
 * <p>{@code amount} is a string of atomic units, as on the wire; for the scrip scheme these are micro-units (see
 * {@link Money#parseMicros}). It is not parsed here because other schemes use amounts beyond a {@code long}.
 *
 * <p>Immutable and thread-safe; {@code extra} is a deep unmodifiable copy.
 *
 * @param scheme the payment scheme, such as {@code "scrip"}; required
 * @param network the CAIP-2 style network, such as {@code "tollgate:acme"}; required
 * @param amount the price in atomic units as a decimal string; required
 * @param asset the asset paid in, such as an ISO 4217 code; required
 * @param payTo the payee; required
 * @param maxTimeoutSeconds the time the client has to complete payment; positive
 * @param extra scheme-specific data; never null, empty when absent
 * @since 0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"scheme", "network", "amount", "asset", "payTo", "maxTimeoutSeconds", "extra"})
public record PaymentRequirements(
        @JsonProperty(value = "scheme", required = true) String scheme,
        @JsonProperty(value = "network", required = true) String network,
        @JsonProperty(value = "amount", required = true) String amount,
        @JsonProperty(value = "asset", required = true) String asset,
        @JsonProperty(value = "payTo", required = true) String payTo,
        @JsonProperty(value = "maxTimeoutSeconds", required = true) int maxTimeoutSeconds,
        @JsonProperty("extra") Map<String, Object> extra) {

    /**
     * Validates and copies the components.
     *
     * <p>A null {@code extra} becomes empty rather than omitted: the official TypeScript type declares {@code extra}
     * as always present, and scheme clients read properties of it without a null check.
     *
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if {@code maxTimeoutSeconds} is not positive
     */
    public PaymentRequirements {
        Wire.required(scheme, "scheme");
        Wire.required(network, "network");
        Wire.required(amount, "amount");
        Wire.required(asset, "asset");
        Wire.required(payTo, "payTo");
        if (maxTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("maxTimeoutSeconds must be positive, got " + maxTimeoutSeconds + ".");
        }
        extra = extra == null ? Map.of() : Wire.freeze(extra);
    }
}
