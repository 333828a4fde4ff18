package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.BrokerSettlement;
import dev.tollgate.gateway.SettlementStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Settlement with several brokers as one status. Stateless. */
final class SettlementTotals {

    private SettlementTotals() {
    }

    /**
     * The one broker's status, or with several the amounts, counts and holds summed (exactly: an overflow throws);
     * the last success the latest of any broker; the failures in a row the most of any broker, with that broker's
     * last error, named by its id.
     */
    static SettlementStatus of(List<BrokerSettlement> each) {
        if (each.size() == 1) {
            return each.get(0).status();
        }
        long charged = 0;
        long settled = 0;
        long unsettled = 0;
        int unsettledScrip = 0;
        long sinceStart = 0;
        int refused = 0;
        int heldRequests = 0;
        long heldMicros = 0;
        Optional<Instant> lastSuccess = Optional.empty();
        Optional<String> lastError = Optional.empty();
        int failures = 0;
        for (BrokerSettlement broker : each) {
            SettlementStatus s = broker.status();
            charged = Math.addExact(charged, s.chargedMicros());
            settled = Math.addExact(settled, s.settledMicros());
            unsettled = Math.addExact(unsettled, s.unsettledMicros());
            unsettledScrip += s.unsettledScrip();
            sinceStart = Math.addExact(sinceStart, s.settledSinceStartMicros());
            refused += s.refusedScrip();
            heldRequests += s.heldRequests();
            heldMicros = Math.addExact(heldMicros, s.heldMicros());
            if (s.lastSuccess().isPresent() && (lastSuccess.isEmpty() || s.lastSuccess().get().isAfter(
                    lastSuccess.get()))) {
                lastSuccess = s.lastSuccess();
            }
            if (s.lastError().isPresent() && (lastError.isEmpty() || s.consecutiveFailures() > failures)) {
                lastError = Optional.of(broker.id() + ": " + s.lastError().get());
                failures = s.consecutiveFailures();
            }
        }
        return new SettlementStatus(charged, settled, unsettled, unsettledScrip, sinceStart, lastSuccess, lastError,
                failures, refused, heldRequests, heldMicros);
    }
}
