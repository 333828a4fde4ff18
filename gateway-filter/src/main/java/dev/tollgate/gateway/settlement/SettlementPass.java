package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One settlement pass, in one direction: send the online voids waiting ({@link OnlineVoids}) → select the batch
 * ({@link BatchSelector}) → sign it ({@link BatchSigner}) → post it ({@link RedemptionPoster}) → apply the broker's
 * results ({@link ResultsApplier}). The order is what keeps the money right: the voids are sent before the
 * selection, so a scrip whose void waits is not claimed; the selection reads the ledger before the holds; what a
 * void may still take back is read only after the broker answered; and whether the batch settled anything decides
 * between {@code FULL} and {@code SENT}. Only the settler calls {@link #run}, under its pass lock.
 */
final class SettlementPass {

    private final OnlineVoids voids;
    private final BatchSelector selector;
    private final BatchSigner signer;
    private final RedemptionPoster poster;
    private final ResultsApplier applier;
    private final Clock clock;
    private final int batchSize;
    private final BacklogAge backlog;

    SettlementPass(OnlineVoids voids, BatchSelector selector, BatchSigner signer, RedemptionPoster poster,
                   ResultsApplier applier, Clock clock, int batchSize, BacklogAge backlog) {
        this.backlog = Objects.requireNonNull(backlog);
        this.voids = Objects.requireNonNull(voids);
        this.selector = Objects.requireNonNull(selector);
        this.signer = Objects.requireNonNull(signer);
        this.poster = Objects.requireNonNull(poster);
        this.applier = Objects.requireNonNull(applier);
        this.clock = Objects.requireNonNull(clock);
        this.batchSize = batchSize;
    }

    /**
     * Sends one batch, if anything waits: {@link Settler.Outcome#IDLE}, {@link Settler.Outcome#SENT} or
     * {@link Settler.Outcome#FULL}, never {@code FAILED}.
     *
     * @throws SettlementFailure if the ledger is unavailable or the broker did not answer the batch with results:
     *     nothing of it was recorded
     */
    Settler.Outcome run(Duration timeout) throws SettlementFailure {
        long settledBefore = applier.settledSinceStart();
        long began = clock.millis();
        ClaimBatch batch;
        try {
            // Voids first: a scrip whose void waits is not claimed (see OnlineVoids).
            OnlineVoids.Outstanding outstanding = voids.send(timeout);
            batch = selector.select(outstanding);
        } catch (LedgerUnavailableException e) {
            throw unavailable(e);
        }
        if (batch.isEmpty()) {
            backlog.empty();
            return Settler.Outcome.IDLE;
        }
        backlog.waiting();
        String jws = signer.sign(batch.scrip(), batch.chains(), clock.instant());
        JsonNode results = poster.post(jws, batch.size(), timeout);
        boolean allDone;
        try {
            allDone = applier.apply(batch, results);
        } catch (LedgerUnavailableException e) {
            throw unavailable(e);
        }
        if (allDone && batch.size() < batchSize) {
            // Everything that waited when the pass began is settled: what waits now came since (else a site charged
            // every minute would never see an empty pass, and its backlog would age forever).
            backlog.settledUpTo(began);
        }
        // Another batch at once only if this one settled something: a full batch of claims that cannot settle yet
        // (their online charges still in flight) waits for the next interval instead of being sent again and again.
        return batch.size() >= batchSize && applier.settledSinceStart() > settledBefore
                ? Settler.Outcome.FULL : Settler.Outcome.SENT;
    }

    private static SettlementFailure unavailable(LedgerUnavailableException e) {
        return new SettlementFailure("the ledger is unavailable: " + e.getMessage());
    }
}
