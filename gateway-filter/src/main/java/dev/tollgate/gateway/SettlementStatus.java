package dev.tollgate.gateway;

import java.time.Instant;
import java.util.Optional;

/**
 * Where settlement stands, for a dashboard or a health check. Immutable.
 *
 * <p>The amounts are read from the ledger's view of the scrip that still wait for settlement
 * ({@code Ledger.unsettled}): scrip the broker has fully confirmed are not in them. {@code settledMicros} is the
 * part of those scrip's charges already confirmed; {@code settledSinceStartMicros} counts everything this process
 * had confirmed by the broker, PayWord chains included.
 *
 * @param chargedMicros charges net of refunds on the scrip that still wait for settlement
 * @param settledMicros the part of {@code chargedMicros} the broker has already confirmed
 * @param unsettledMicros {@code chargedMicros - settledMicros}: what the broker still owes the seller
 * @param unsettledScrip how many scrip wait for settlement (including those the broker refused)
 * @param settledSinceStartMicros the amounts newly confirmed by the broker since this process started
 * @param lastSuccess when a batch was last answered by the broker, if ever since start
 * @param lastError why the last attempt failed, if it did; empty once an attempt succeeds
 * @param consecutiveFailures attempts that failed in a row (0 when the last one succeeded)
 * @param refusedScrip scrip the broker refused for good ({@code expired}, {@code wrong_seller},
 *                     {@code unknown_scrip}) or that cannot settle further; left out of batches until restart
 * @param heldRequests requests running now whose charge may still be refunded, so it is held back from claims
 *                     until it is final (since 0.3)
 * @param heldMicros what those requests were charged in all (since 0.3)
 * @since 0.1
 */
public record SettlementStatus(long chargedMicros, long settledMicros, long unsettledMicros, int unsettledScrip,
                               long settledSinceStartMicros, Optional<Instant> lastSuccess,
                               Optional<String> lastError, int consecutiveFailures, int refusedScrip,
                               int heldRequests, long heldMicros) {
}
