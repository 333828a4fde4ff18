package dev.tollgate.gateway.ledger;

/**
 * Per-scrip totals for settlement: the broker is sent cumulative claims, so a retried batch never pays twice.
 *
 * @param issuer the broker's issuer URL
 * @param jti the scrip id
 * @param chargedMicros all charges net of refunds, cumulative since the scrip was first seen
 * @param settledMicros the part of {@code chargedMicros} the broker has confirmed
 * @since 0.1
 */
public record ScripTotal(String issuer, String jti, long chargedMicros, long settledMicros) {

    /** What still waits for settlement. */
    public long unsettledMicros() {
        return chargedMicros - settledMicros;
    }
}
