package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripTotal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The first step of a settlement pass: chooses what the next batch claims. The oldest unsettled scrip first, then
 * the oldest unsettled PayWord chains in the room left, at most {@code settlement.batch-size} claims in all, each
 * claiming its charges less those a request may still refund ({@link RefundHolds}). Only the scrip and chains of the
 * broker this settler settles with are read (a broker's backlog never delays another's claims). Left out: scrip whose
 * online void waits ({@link OnlineVoids.Outstanding#held}) and what {@link Exclusions} remembers.
 *
 * <p>Every ledger read comes before the holds are read, between {@link RefundHolds#beginRead} and
 * {@link RefundHolds#endRead}: see {@link RefundHolds}. Only the settler's pass calls it.
 */
final class BatchSelector {

    private final Ledger ledger;
    private final RefundHolds holds;
    private final Exclusions exclusions;
    /** The broker's issuer: the only issuer whose scrip and chains are read and claimed. */
    private final String audience;
    private final int batchSize;

    BatchSelector(Ledger ledger, RefundHolds holds, Exclusions exclusions, String audience, int batchSize) {
        this.ledger = Objects.requireNonNull(ledger);
        this.holds = Objects.requireNonNull(holds);
        this.exclusions = Objects.requireNonNull(exclusions);
        this.audience = Objects.requireNonNull(audience);
        this.batchSize = batchSize;
    }

    /**
     * The next batch; empty if nothing may be claimed. {@code outstanding}: what the voids sent at the start of this
     * pass left waiting (a scrip whose void waits is not claimed; see OnlineVoids).
     */
    ClaimBatch select(OnlineVoids.Outstanding outstanding) throws LedgerUnavailableException {
        holds.beginRead(audience);
        try {
            // Every ledger read comes before the holds are read: see RefundHolds.
            int slack = exclusions.size() + holds.size() + outstanding.held().size();
            List<ScripTotal> batch = select(ledger.unsettled(audience, limit(batchSize, slack)),
                    holds.held(audience), outstanding.held());
            int room = batchSize - batch.size();
            List<ChainTotal> chains = room <= 0 ? List.of()
                    : selectChains(ledger.unsettledChains(audience, limit(room, slack)), holds.held(audience), room);
            return new ClaimBatch(batch, chains);
        } finally {
            holds.endRead(audience);
        }
    }

    private static int limit(int wanted, int slack) {
        return (int) Math.min(Integer.MAX_VALUE, (long) wanted + slack);
    }

    /**
     * The oldest unsettled scrip that may be claimed, at most a batch of them, each with what may be claimed now:
     * its charges less those {@code held} (by {@link RefundHolds#key}), if that is more than is settled. None whose
     * online void waits ({@code voidHeld}, by jti; see OnlineVoids).
     */
    private List<ScripTotal> select(List<ScripTotal> unsettled, Map<String, Long> held, Set<String> voidHeld) {
        List<ScripTotal> batch = new ArrayList<>();
        for (ScripTotal read : unsettled) {
            String id = RefundHolds.key(false, read.issuer(), read.jti());
            ScripTotal total = read;
            Long heldMicros = held.get(id);
            if (heldMicros != null) {
                total = new ScripTotal(read.issuer(), read.jti(), read.chargedMicros() - heldMicros,
                        read.settledMicros());
            }
            if (exclusions.contains(id) || total.unsettledMicros() <= 0 || voidHeld.contains(read.jti())) {
                continue;
            }
            batch.add(total);
            if (batch.size() == batchSize) {
                break;
            }
        }
        return batch;
    }

    /**
     * The oldest unsettled chains of this broker that may be claimed, at most {@code room} of them, each with what
     * may be claimed now: its consumption less what is {@code held}, if that is more than is settled.
     */
    private List<ChainTotal> selectChains(List<ChainTotal> unsettled, Map<String, Long> held, int room) {
        List<ChainTotal> chains = new ArrayList<>();
        for (ChainTotal read : unsettled) {
            String id = chainKey(read);
            ChainTotal total = read;
            Long heldMicros = held.get(id);
            if (heldMicros != null) {
                total = read.withSpent(read.spentMicros() - heldMicros);
            }
            if (exclusions.contains(id) || total.spentMicros() <= total.settledMicros()) {
                continue;
            }
            chains.add(total);
            if (chains.size() == room) {
                break;
            }
        }
        return chains;
    }

    /** The key of a chain in the holds and the exclusions. */
    static String chainKey(ChainTotal total) {
        return RefundHolds.key(true, total.issuer(), total.commitmentId());
    }
}
