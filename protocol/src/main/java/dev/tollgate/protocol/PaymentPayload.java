package dev.tollgate.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The x402 v2 {@code PaymentPayload}: the body of the {@code PAYMENT-SIGNATURE} request header.
 *
 * <p>The scrip scheme carries its token at {@code payload.token}; see {@link #payloadString(String)}.
 *
 * <p>Immutable and thread-safe; the maps are deep unmodifiable copies.
 *
 * @param x402Version the protocol version; {@link PaymentHeaders#X402_VERSION} (the codec rejects others on decode)
 * @param resource the resource being paid for; optional in v2
 * @param accepted the requirements the client chose to satisfy; required
 * @param payload scheme-specific payment data; required
 * @param extensions protocol extension data echoed from the 402; optional
 * @since 0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"x402Version", "resource", "accepted", "payload", "extensions"})
public record PaymentPayload(
        @JsonProperty(value = "x402Version", required = true) int x402Version,
        @JsonProperty("resource") ResourceInfo resource,
        @JsonProperty(value = "accepted", required = true) PaymentRequirements accepted,
        @JsonProperty(value = "payload", required = true) Map<String, Object> payload,
        @JsonProperty("extensions") Map<String, Object> extensions) {

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if {@code accepted} or {@code payload} is null
     */
    public PaymentPayload {
        Wire.required(accepted, "accepted");
        payload = Wire.freeze(Wire.required(payload, "payload"));
        extensions = Wire.freeze(extensions);
    }

    /**
     * Returns {@code payload.<key>} if it is a string.
     *
     * @param key the payload property, such as {@link Scrip#TOKEN}
     * @return the string, or null if the property is absent or not a string
     */
    public String payloadString(String key) {
        return payload.get(key) instanceof String s ? s : null;
    }
}
