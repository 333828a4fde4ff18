package dev.tollgate.gateway.ledger;

import java.sql.SQLException;
import java.util.List;

/**
 * One transaction of the fold into SQLite: applies a run of journal records in slot order ({@link Fold}), writes the
 * totals they changed and the new checkpoint, and commits them together, so a crash never applies a record twice.
 * After the commit it records in the scrip and chain states what their rows hold now (the eviction rule compares with
 * it) and takes the folded-in refunds out of {@link PendingRefunds}. Recovery and the live passes both write through
 * it, so a record is folded in the same way whoever finds it. Used under the database lock.
 */
final class FoldWriter {

    private final StateMap<ScripState.Key, ScripState> scrips;
    private final StateMap<ChainState.Key, ChainState> chains;
    private final PendingRefunds refunds;

    /**
     * @param scrips the scrip states, told their folded-in totals
     * @param chains the chain states, told their folded-in heads and totals
     * @param refunds the refunds in the journal, taken out as they are folded in
     */
    FoldWriter(StateMap<ScripState.Key, ScripState> scrips, StateMap<ChainState.Key, ChainState> chains,
               PendingRefunds refunds) {
        this.scrips = scrips;
        this.chains = chains;
        this.refunds = refunds;
    }

    /** Applies records in slot order and moves the checkpoint to {@code newCheckpoint}, in one transaction. */
    void write(LedgerStore db, List<JournalRecord> records, long newCheckpoint) throws SQLException {
        Fold fold = new Fold(db);
        try {
            fold.readTotals(records);
            for (JournalRecord record : records) {
                fold.apply(record);
            }
            fold.writeTotals();
            db.setMeta(LedgerStore.META_CHECKPOINT, newCheckpoint);
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.insertCharge.clearBatch();
            throw e;
        }
        committed(fold);
    }

    /** After a commit: the scrip rows' totals and the chain rows' heads now, and the refunds folded in. */
    private void committed(Fold fold) {
        fold.spentByScrip().forEach((id, spent) -> {
            ScripState state = scrips.byId(id);
            if (state != null) {
                state.materialized = spent;
            }
        });
        fold.chainTotals().forEach((id, t) -> {
            ChainState state = chains.byId(id);
            if (state != null) {
                state.materializedIndex = t.index;
                state.materializedSpent = t.spent;
            }
        });
        refunds.materialized(fold.refunded());
    }
}
