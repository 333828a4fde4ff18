package dev.tollgate.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The x402 v2 {@code ResourceInfo}: the protected resource a payment is for.
 *
 * <p>Immutable and thread-safe.
 *
 * @param url the resource URL; required
 * @param description a human-readable description; optional
 * @param mimeType the media type of the paid response; optional
 * @since 0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"url", "description", "mimeType"})
public record ResourceInfo(
        @JsonProperty("url") String url,
        @JsonProperty("description") String description,
        @JsonProperty("mimeType") String mimeType) {

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code url} is null
     */
    public ResourceInfo {
        Wire.required(url, "url");
    }
}
