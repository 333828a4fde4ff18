package dev.tollgate.gateway.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link Materializer} transaction's work: applies journal records in slot order to SQLite (charge rows,
 * refunds, chain heads) and tracks the scrip and chain totals they change, written once at the end. Not thread-safe;
 * used under the database lock.
 */
final class Fold {

    private static final Logger LOG = LoggerFactory.getLogger(Fold.class);

    /** Totals of one scrip within a pass. */
    private static final class Totals {
        final long budget;
        long spent;

        Totals(long budget, long spent) {
            this.budget = budget;
            this.spent = spent;
        }
    }

    /** Head and totals of one PayWord chain within a pass. */
    static final class ChainTotals {
        final long unit;
        final int length;
        int index;
        byte[] word;
        long spent;

        ChainTotals(long unit, int length, int index, byte[] word, long spent) {
            this.unit = unit;
            this.length = length;
            this.index = index;
            this.word = word;
            this.spent = spent;
        }

        long paid() {
            return index * unit;
        }
    }

    private final LedgerStore db;
    private final Map<Long, Totals> totals = new HashMap<>();
    private final Map<Long, ChainTotals> chains = new HashMap<>();
    private final List<Long> refunded = new ArrayList<>();
    /** CHARGE rows added to the insert batch and not yet executed. */
    private final List<JournalRecord> batch = new ArrayList<>();

    Fold(LedgerStore db) {
        this.db = db;
    }

    void apply(JournalRecord record) throws SQLException {
        if (record.chain()) {
            applyChain(record);
            return;
        }
        Totals scrip = totals.get(record.scripId());
        if (scrip == null) {
            scrip = loadTotals(record.scripId());
            if (scrip == null) {
                LOG.error("Journal slot {} refers to scrip {} which has no row; skipped", record.seq(),
                        record.scripId());
                return;
            }
            totals.put(record.scripId(), scrip);
        }
        if (record.type() == JournalRecord.CHARGE) {
            if (scrip.spent + record.amount() > scrip.budget) {
                // Only possible after an OS crash or power cut in PROCESS_CRASH_SAFE mode lost some records.
                LOG.error("Journal charge {} would take scrip {} above its budget; skipped", record.seq(),
                        record.scripId());
                return;
            }
            addCharge(record, record.scripId(), null);
            scrip.spent += record.amount();
        } else {
            flush();
            if (refund(record, record.scripId(), null)) {
                scrip.spent -= record.amount();
            }
            refunded.add(record.refSeq());
        }
    }

    /** An ADVANCE, or a CHARGE or REFUND on a chain: the head only moves up, spending stays within what was paid. */
    private void applyChain(JournalRecord record) throws SQLException {
        ChainTotals chain = chains.get(record.scripId());
        if (chain == null) {
            chain = loadChain(record.scripId());
            if (chain == null) {
                LOG.error("Journal slot {} refers to chain {} which has no row; skipped", record.seq(),
                        record.scripId());
                return;
            }
            chains.put(record.scripId(), chain);
        }
        switch (record.type()) {
            case JournalRecord.ADVANCE -> {
                if (record.index() > chain.length) {
                    LOG.error("Journal slot {} moves chain {} beyond its length; skipped", record.seq(),
                            record.scripId());
                } else if (record.index() > chain.index) {
                    chain.index = record.index();
                    chain.word = record.word();
                }
            }
            case JournalRecord.CHARGE -> {
                if (chain.spent + record.amount() > chain.paid()) {
                    // Only possible after an OS crash or power cut in PROCESS_CRASH_SAFE mode lost some records.
                    LOG.error("Journal charge {} would take chain {} beyond what it paid; skipped", record.seq(),
                            record.scripId());
                    return;
                }
                addCharge(record, 0, record.scripId());
                chain.spent += record.amount();
            }
            default -> {
                flush();
                if (refund(record, 0, record.scripId())) {
                    chain.spent -= record.amount();
                }
                refunded.add(record.refSeq());
            }
        }
    }

    private void addCharge(JournalRecord record, long scripId, Long chainId) throws SQLException {
        db.insertCharge.setLong(1, record.seq());
        db.insertCharge.setLong(2, scripId);
        db.insertCharge.setLong(3, record.amount());
        db.insertCharge.setInt(4, record.resourceId());
        db.insertCharge.setLong(5, record.createdMillis());
        if (record.entitledUntilMillis() != 0) {
            db.insertCharge.setLong(6, record.entitledUntilMillis());
        } else {
            db.insertCharge.setNull(6, Types.INTEGER);
        }
        if (chainId != null) {
            db.insertCharge.setLong(7, chainId);
        } else {
            db.insertCharge.setNull(7, Types.INTEGER);
        }
        PaymentIds.Hash paymentId = record.paymentId();
        if (paymentId != null) {
            db.insertCharge.setBytes(8, paymentId.bytes());
        } else {
            db.insertCharge.setNull(8, Types.BLOB);
        }
        db.insertCharge.addBatch();
        batch.add(record);
    }

    /** Marks the refunded charge's row; {@code true} if that took money back from a folded-in charge. */
    private boolean refund(JournalRecord record, long scripId, Long chainId) throws SQLException {
        db.refundCharge.setLong(1, record.refundMillis());
        db.refundCharge.setLong(2, record.refSeq());
        if (db.refundCharge.executeUpdate() == 1) {
            return true;
        }
        // The charge's own record is not folded in (it never will be, or it already is refunded).
        db.insertRefundedCharge.setLong(1, record.refSeq());
        db.insertRefundedCharge.setLong(2, scripId);
        db.insertRefundedCharge.setLong(3, record.amount());
        db.insertRefundedCharge.setInt(4, record.resourceId());
        db.insertRefundedCharge.setLong(5, record.createdMillis());
        db.insertRefundedCharge.setLong(6, record.refundMillis());
        if (chainId != null) {
            db.insertRefundedCharge.setLong(7, chainId);
        } else {
            db.insertRefundedCharge.setNull(7, Types.INTEGER);
        }
        db.insertRefundedCharge.executeUpdate();
        return false;
    }

    private void flush() throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        int[] counts = db.insertCharge.executeBatch();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) { // already folded in (cannot happen with the checkpoint in the same commit)
                JournalRecord record = batch.get(i);
                if (record.chain()) {
                    chains.get(record.scripId()).spent -= record.amount();
                } else {
                    totals.get(record.scripId()).spent -= record.amount();
                }
            }
        }
        batch.clear();
    }

    /**
     * Reads the totals of every scrip the records charge or refund, {@link LedgerStore#TOTALS_PER_STATEMENT} rows a
     * statement, before they are applied; a scrip with no row is looked up again, and logged, when its record is.
     */
    void readTotals(List<JournalRecord> records) throws SQLException {
        Set<Long> distinct = new LinkedHashSet<>();
        for (JournalRecord record : records) {
            if (!record.chain()) {
                distinct.add(record.scripId());
            }
        }
        List<Long> ids = new ArrayList<>(distinct);
        PreparedStatement select = db.selectTotalsOfMany;
        for (int from = 0; from < ids.size(); from += LedgerStore.TOTALS_PER_STATEMENT) {
            for (int i = 0; i < LedgerStore.TOTALS_PER_STATEMENT; i++) {
                select.setLong(i + 1, ids.get(Math.min(from + i, ids.size() - 1)));
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    totals.put(rs.getLong(1), new Totals(rs.getLong(2), rs.getLong(3)));
                }
            }
        }
    }

    /** Flushes the batch and writes each touched scrip's and chain's totals once. */
    void writeTotals() throws SQLException {
        flush();
        List<Map.Entry<Long, Totals>> scrips = new ArrayList<>(totals.entrySet());
        PreparedStatement update = db.updateSpentOfMany;
        for (int from = 0; from < scrips.size(); from += LedgerStore.TOTALS_PER_STATEMENT) {
            for (int i = 0; i < LedgerStore.TOTALS_PER_STATEMENT; i++) {
                Map.Entry<Long, Totals> entry = scrips.get(Math.min(from + i, scrips.size() - 1));
                update.setLong(2 * i + 1, entry.getKey());
                update.setLong(2 * i + 2, entry.getValue().spent);
            }
            update.executeUpdate();
        }
        for (Map.Entry<Long, ChainTotals> entry : chains.entrySet()) {
            ChainTotals chain = entry.getValue();
            db.updateChainTotals.setInt(1, chain.index);
            db.updateChainTotals.setBytes(2, chain.word);
            db.updateChainTotals.setLong(3, chain.spent);
            db.updateChainTotals.setLong(4, entry.getKey());
            db.updateChainTotals.executeUpdate();
        }
    }

    /** The scrip totals as committed, by row id. */
    Map<Long, Long> spentByScrip() {
        Map<Long, Long> spent = new HashMap<>();
        totals.forEach((id, t) -> spent.put(id, t.spent));
        return spent;
    }

    /** The chain heads and totals as committed, by row id. */
    Map<Long, ChainTotals> chainTotals() {
        return chains;
    }

    /** The charges whose REFUND records were folded in. */
    List<Long> refunded() {
        return refunded;
    }

    private ChainTotals loadChain(long chainId) throws SQLException {
        db.selectChainTotals.setLong(1, chainId);
        try (ResultSet rs = db.selectChainTotals.executeQuery()) {
            return rs.next() ? new ChainTotals(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getBytes(4),
                    rs.getLong(5)) : null;
        }
    }

    private Totals loadTotals(long scripId) throws SQLException {
        db.selectTotals.setLong(1, scripId);
        try (ResultSet rs = db.selectTotals.executeQuery()) {
            return rs.next() ? new Totals(rs.getLong(1), rs.getLong(2)) : null;
        }
    }
}
