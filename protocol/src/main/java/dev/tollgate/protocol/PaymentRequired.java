package dev.tollgate.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The x402 v2 {@code PaymentRequired}: the body of the {@code PAYMENT-REQUIRED} header on a 402 response.
 *
 * <p>Immutable and thread-safe; the list and maps are deep unmodifiable copies.
 *
 * @param x402Version the protocol version; {@link PaymentHeaders#X402_VERSION} (the codec rejects others on decode)
 * @param error why payment is required, for humans; optional
 * @param resource the resource being sold; required
 * @param accepts the ways the client may pay; required and non-empty
 * @param extensions protocol extension data keyed by extension id; optional
 * @since 0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"x402Version", "error", "resource", "accepts", "extensions"})
public record PaymentRequired(
        @JsonProperty(value = "x402Version", required = true) int x402Version,
        @JsonProperty("error") String error,
        @JsonProperty(value = "resource", required = true) ResourceInfo resource,
        @JsonProperty(value = "accepts", required = true) List<PaymentRequirements> accepts,
        @JsonProperty("extensions") Map<String, Object> extensions) {

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if {@code resource}, {@code accepts} or an element of it is null
     * @throws IllegalArgumentException if {@code accepts} is empty
     */
    public PaymentRequired {
        Wire.required(resource, "resource");
        accepts = Wire.freezeList(Wire.required(accepts, "accepts"), "accepts");
        if (accepts.isEmpty()) {
            throw new IllegalArgumentException("accepts cannot be empty.");
        }
        extensions = Wire.freeze(extensions);
    }
}
