package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.PendingVoid;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.protocol.JacksonBuffers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a settlement pass: records what the broker's {@code results} say of each claim of the batch, with
 * {@link Ledger#markSettled} and {@link Ledger#markChainSettled}, and leaves out of later batches ({@link Exclusions})
 * the claims the broker refuses for good or will not credit further. A broker that reports more redeemed on a scrip
 * than the ledger charged is recorded as settled up to the ledger's total and the scrip stays eligible: settlement
 * never wedges on it. Counts what it settled since the start ({@link #settledSinceStart}). Only the settler's pass
 * calls {@link #apply}.
 */
final class ResultsApplier {

    /** Logged as the settler's: the logs read as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);
    private static final Set<String> FINAL_REFUSALS = Set.of("expired", "wrong_seller", "unknown_scrip",
            "too_many_ledgers");
    /** PayWord claims the broker will never credit more on: a retry cannot change its verdict. */
    private static final Set<String> FINAL_CHAIN_REFUSALS = Set.of("expired", "wrong_seller", "unknown_certificate",
            "invalid_certificate", "invalid_commitment", "invalid_index", "invalid_word", "too_many_ledgers");

    private final Ledger ledger;
    private final RefundHolds holds;
    private final Exclusions exclusions;
    /** The broker's issuer: whose voids and holds may take back what it redeemed. */
    private final String audience;
    private final AtomicLong settledSinceStart = new AtomicLong();

    ResultsApplier(Ledger ledger, RefundHolds holds, Exclusions exclusions, String audience) {
        this.ledger = Objects.requireNonNull(ledger);
        this.holds = Objects.requireNonNull(holds);
        this.exclusions = Objects.requireNonNull(exclusions);
        this.audience = Objects.requireNonNull(audience);
    }

    /** Micro-units recorded as settled since the start. */
    long settledSinceStart() {
        return settledSinceStart.get();
    }

    /**
     * Records the broker's {@code results} (a JSON array) for {@code batch}. Call only after the broker answered:
     * what a void may still take back is read now ({@link #mayStillBeVoided}).
     *
     * @return whether every claim of the batch is done with: settled up to what the ledger charged, or left out of
     *     later batches for good
     */
    boolean apply(ClaimBatch batch, JsonNode results) throws LedgerUnavailableException {
        int done = applyScrip(batch.scrip(), results, mayStillBeVoided());
        done += applyChains(batch.chains(), results);
        return done == batch.size();
    }

    /**
     * After the broker answered: per scrip jti, what its {@code redeemed} may count that a void can still take back.
     * That is every void in the outbox now, and every online charge sent to the broker whose request may still
     * refund it (the broker counts it in {@code redeemed} but the claim left it out, and its refund voids it). A void
     * queued during this pass is in one or the other: it is queued before its hold's refund is done, and holds
     * refunded during a read stay counted until the next read. Held charges that were never sent to the broker are in
     * no broker total, and the claim left them out already.
     */
    private Map<String, Long> mayStillBeVoided() throws LedgerUnavailableException {
        Map<String, Long> byJti = new HashMap<>();
        holds.beginRead(audience);
        try {
            byJti.putAll(holds.heldAtBrokerByJti(audience));
            for (PendingVoid v : ledger.pendingVoids(audience, OnlineVoids.MAX_PENDING)) {
                byJti.merge(v.jti(), v.amountMicros(), Long::sum);
            }
        } finally {
            holds.endRead(audience);
        }
        return byJti;
    }

    /**
     * Records what the broker redeemed on each scrip claimed: as settled up to the ledger's charged total, less what a
     * void may still take back ({@code takeBack}, by jti; the scrip is claimed again once that is decided).
     */
    private int applyScrip(List<ScripTotal> batch, JsonNode results, Map<String, Long> takeBack)
            throws LedgerUnavailableException {
        int done = 0;
        Map<String, ScripTotal> sent = new HashMap<>();
        for (ScripTotal total : batch) {
            sent.put(total.jti(), total);
        }
        for (JsonNode result : results) {
            if (!result.has("jti")) {
                continue; // a PayWord result: applyChains
            }
            ScripTotal total = sent.remove(result.path("jti").asText());
            if (total == null) {
                continue; // not a claim of this batch, or answered twice
            }
            String id = total.issuer() + '\n' + total.jti();
            String status = result.path("status").asText();
            if (status.equals("credited") || status.equals("unchanged")) {
                long redeemed;
                try {
                    redeemed = Long.parseLong(result.path("redeemed").asText());
                } catch (NumberFormatException e) {
                    LOG.warn("The broker answered scrip {} with a bad 'redeemed': {}", total.jti(),
                            JacksonBuffers.text(result));
                    continue;
                }
                long counted = redeemed - takeBack.getOrDefault(total.jti(), 0L);
                if (counted > total.chargedMicros() && exclusions.firstWarning("ahead\n" + id)) {
                    // An online charge refunded here whose void this ledger no longer holds (restored from a backup)
                    // or a broker that over-counts: record what the ledger charged, keep the scrip eligible.
                    LOG.warn("The broker counts {} micro-units redeemed on scrip {}, more than the {} the ledger "
                            + "charged; recorded as settled up to the ledger's total (logged once per scrip)",
                            counted, total.jti(), total.chargedMicros());
                }
                long settled = Math.max(0, Math.min(counted, total.chargedMicros()));
                if (settled > total.settledMicros()) {
                    try {
                        ledger.markSettled(total.issuer(), total.jti(), settled);
                        settledSinceStart.addAndGet(settled - total.settledMicros());
                    } catch (IllegalArgumentException e) {
                        // A refund since the read lowered the charged total: the next pass claims it again.
                        LOG.debug("Scrip {} not marked settled: {}", total.jti(), e.getMessage());
                        continue;
                    }
                }
                if (status.equals("unchanged") && redeemed < total.chargedMicros()) {
                    exclusions.exclude(id, "the broker redeems no more than " + redeemed + " of the "
                            + total.chargedMicros() + " micro-units charged on scrip " + total.jti());
                    done++;
                } else if (settled == total.chargedMicros()) {
                    done++;
                }
            } else if (status.equals("refused")) {
                String reason = result.path("reason").asText("");
                if (FINAL_REFUSALS.contains(reason)) {
                    exclusions.exclude(id, "the broker refused the claim of " + total.chargedMicros()
                            + " micro-units on scrip " + total.jti() + ": " + reason);
                    done++;
                } else if (exclusions.firstWarning(id)) {
                    LOG.warn("The broker refused the claim on scrip {}: {}; it is sent again with later batches",
                            total.jti(), reason.isEmpty() ? JacksonBuffers.text(result) : reason);
                }
            } else {
                LOG.warn("The broker answered scrip {} with an unknown status: {}", total.jti(),
                        JacksonBuffers.text(result));
            }
        }
        if (!sent.isEmpty()) {
            LOG.debug("The broker did not answer {} claims; they are sent again with a later batch", sent.size());
        }
        return done;
    }

    /**
     * Records what the broker credited on each chain: {@code redeemed}, its cumulative credit for the commitment, and
     * the {@code index} it verified.
     */
    private int applyChains(List<ChainTotal> chains, JsonNode results) throws LedgerUnavailableException {
        int done = 0;
        if (chains.isEmpty()) {
            return done;
        }
        Map<String, ChainTotal> sent = new HashMap<>();
        for (ChainTotal total : chains) {
            sent.put(total.commitmentId(), total);
        }
        for (JsonNode result : results) {
            ChainTotal total = sent.remove(result.path("commitmentId").asText());
            if (total == null) {
                continue;
            }
            String id = BatchSelector.chainKey(total);
            String status = result.path("status").asText();
            if (status.equals("credited") || status.equals("unchanged")) {
                JsonNode index = result.path("index");
                long redeemed;
                try {
                    redeemed = Long.parseLong(result.path("redeemed").asText());
                } catch (NumberFormatException e) {
                    redeemed = -1;
                }
                if (!index.canConvertToInt() || !index.isIntegralNumber() || index.intValue() < 0
                        || index.intValue() > total.index() || redeemed < 0) {
                    LOG.warn("The broker answered PayWord chain {} with a bad 'index' or 'redeemed': {}",
                            total.commitmentId(), JacksonBuffers.text(result));
                    continue;
                }
                if (redeemed > total.settledMicros()) {
                    try {
                        ledger.markChainSettled(total.issuer(), total.commitmentId(), redeemed, index.intValue());
                        settledSinceStart.addAndGet(redeemed - total.settledMicros());
                    } catch (IllegalArgumentException e) {
                        exclusions.exclude(id, "the broker says it credited " + redeemed + " on PayWord chain "
                                + total.commitmentId() + " but the ledger refuses it: " + e.getMessage());
                        continue;
                    }
                }
                if (status.equals("unchanged") && redeemed < total.spentMicros()) {
                    exclusions.exclude(id, "the broker credits PayWord chain " + total.commitmentId() + " no more than "
                            + redeemed + " of the " + total.spentMicros() + " micro-units consumed");
                    done++;
                } else if (redeemed >= total.spentMicros()) {
                    done++;
                }
            } else if (status.equals("refused")) {
                String reason = result.path("reason").asText("");
                if (FINAL_CHAIN_REFUSALS.contains(reason)) {
                    exclusions.exclude(id, "the broker refused the claim of " + total.spentMicros()
                            + " micro-units on PayWord chain " + total.commitmentId() + ": " + reason);
                    done++;
                } else if (exclusions.firstWarning(id)) {
                    LOG.warn("The broker refused the claim on PayWord chain {}: {}; it is sent again with later "
                            + "batches", total.commitmentId(), reason.isEmpty() ? JacksonBuffers.text(result) : reason);
                }
            } else {
                LOG.warn("The broker answered PayWord chain {} with an unknown status: {}", total.commitmentId(),
                        JacksonBuffers.text(result));
            }
        }
        return done;
    }
}
