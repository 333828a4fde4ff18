package dev.tollgate.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The x402 v2 {@code SettlementResponse}: the body of the {@code PAYMENT-RESPONSE} header.
 *
 * <p>{@code amount} and {@code extra} are Tollgate additions beyond the v2 schema; x402 clients ignore them. Tollgate
 * puts its receipt id in {@code transaction} and the remaining scrip budget, in micro-units, at
 * {@code extra.remaining}.
 *
 * <p>Immutable and thread-safe; {@code extra} is a deep unmodifiable copy.
 *
 * @param success whether the payment settled
 * @param errorReason a machine-readable failure reason; optional, absent on success
 * @param payer the payer's identity; optional
 * @param transaction the settlement reference (Tollgate: the receipt id); optional, since failures may omit it
 * @param network the network the payment settled on; required
 * @param amount the settled amount in atomic units; optional
 * @param extra additional data such as {@code remaining}; optional
 * @since 0.1
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"success", "errorReason", "payer", "transaction", "network", "amount", "extra"})
public record SettlementResponse(
        @JsonProperty(value = "success", required = true) boolean success,
        @JsonProperty("errorReason") String errorReason,
        @JsonProperty("payer") String payer,
        @JsonProperty("transaction") String transaction,
        @JsonProperty(value = "network", required = true) String network,
        @JsonProperty("amount") String amount,
        @JsonProperty("extra") Map<String, Object> extra) {

    /**
     * Validates and copies the components.
     *
     * @throws NullPointerException if {@code network} is null
     */
    public SettlementResponse {
        Wire.required(network, "network");
        extra = Wire.freeze(extra);
    }
}
