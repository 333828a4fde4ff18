package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that owns the connection and decides every operation (group commit). It drains the queue into
 * one transaction, decides each operation in queue order against its in-memory {@link ScripState}s, writes the rows,
 * commits, and only then completes the callers. When anything in the batch fails it rolls back, forgets the states
 * the batch changed (they are reloaded from the database on next use) and fails every caller of the batch.
 */
final class LedgerWriter implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerWriter.class);

    private final Path file;
    private final SqliteLedger.Durability durability;
    private final SqliteLedger.Tuning tuning;
    private final BlockingQueue<LedgerOp> queue;
    private final AtomicBoolean closing;
    private final ReceiptIds receiptIds;
    private final Map<ScripState.Key, ScripState> states;
    private final List<LedgerOp> batch;
    private final List<ScripState> dirty = new ArrayList<>(64);
    private final List<LedgerOp.Unsettled> reads = new ArrayList<>();
    private LedgerStore store;
    private volatile boolean stopped;

    LedgerWriter(Path file, SqliteLedger.Durability durability, SqliteLedger.Tuning tuning, LedgerStore store,
                 BlockingQueue<LedgerOp> queue, AtomicBoolean closing, ReceiptIds receiptIds) {
        this.file = file;
        this.durability = durability;
        this.tuning = tuning;
        this.store = store;
        this.queue = queue;
        this.closing = closing;
        this.receiptIds = receiptIds;
        this.batch = new ArrayList<>(tuning.maxBatch());
        int capacity = tuning.cacheCapacity();
        this.states = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<ScripState.Key, ScripState> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Set once the writer takes no more operations; read by callers after they enqueue. */
    boolean stopped() {
        return stopped;
    }

    @Override
    public void run() {
        try {
            while (true) {
                LedgerOp first = closing.get() ? queue.poll() : queue.take();
                if (first == null) {
                    break; // closing and nothing left
                }
                batch.add(first);
                queue.drainTo(batch, tuning.maxBatch() - 1);
                runBatch();
            }
        } catch (InterruptedException e) {
            LOG.error("Ledger writer for {} interrupted; the ledger is unavailable", file);
        } catch (Throwable t) {
            LOG.error("Ledger writer for {} died; the ledger is unavailable", file, t);
            throw t;
        } finally {
            stopped = true;
            // A caller that enqueued after the last poll sees stopped (set before this drain) or is failed here.
            LedgerOp.Failure failure = new LedgerOp.Failure("ledger is closed", null, false);
            for (LedgerOp op; (op = queue.poll()) != null; ) {
                if (op.claim()) {
                    op.complete(failure);
                }
            }
            if (store != null) {
                store.close();
                store = null;
            }
            LOG.debug("Ledger writer for {} stopped", file);
        }
    }

    private void runBatch() {
        long now = System.currentTimeMillis();
        int claimed = 0;
        try {
            for (int i = 0; i < batch.size(); i++) {
                LedgerOp op = batch.get(i);
                if (op.claim()) {
                    batch.set(claimed++, op);
                }
            }
            batch.subList(claimed, batch.size()).clear();
            if (batch.isEmpty()) {
                return;
            }
            LedgerStore db = store();
            for (LedgerOp op : batch) {
                decide(db, op, now);
            }
            flush(db, now);
            for (LedgerOp.Unsettled op : reads) {
                op.decided = unsettled(db, op.limit);
            }
            db.connection.commit();
            for (ScripState state : dirty) {
                state.committed();
            }
            for (LedgerOp op : batch) {
                op.complete(op.decided);
            }
        } catch (SQLException | RuntimeException e) {
            fail(e);
        } catch (Error e) {
            fail(e);
            throw e;
        } finally {
            batch.clear();
            dirty.clear();
            reads.clear();
        }
    }

    private LedgerStore store() throws SQLException {
        if (store == null) {
            states.clear(); // whatever was cached, the new connection is the truth
            store = LedgerStore.open(file, durability, tuning.busyTimeoutMillis());
            LOG.info("Ledger {} reconnected", file);
        }
        return store;
    }

    private void fail(Throwable cause) {
        LOG.error("Ledger batch of {} operations on {} failed; failing closed", batch.size(), file, cause);
        for (ScripState state : dirty) {
            states.remove(state.key);
        }
        if (store != null) {
            try {
                store.insertCharge.clearBatch();
                store.insertScrip.clearBatch();
                store.updateScrip.clearBatch();
                store.connection.rollback();
            } catch (SQLException | RuntimeException e) {
                LOG.error("Ledger rollback on {} failed; reconnecting on next use", file, e);
                store.close();
                store = null;
            }
        }
        LedgerOp.Failure failure = new LedgerOp.Failure("ledger write failed", cause, false);
        for (LedgerOp op : batch) {
            op.complete(failure);
        }
    }

    private void decide(LedgerStore db, LedgerOp op, long now) throws SQLException {
        if (op instanceof LedgerOp.Charge charge) {
            ScripState state = state(db, charge.scrip);
            if (charge.amount > state.remaining()) {
                charge.decided = new ChargeResult.Insufficient(state.remaining());
                return;
            }
            String receiptId = receiptIds.next();
            PreparedStatement insert = db.insertCharge;
            insert.setString(1, receiptId);
            insert.setString(2, state.key.issuer());
            insert.setString(3, state.key.jti());
            insert.setLong(4, charge.amount);
            insert.setString(5, charge.resource);
            insert.setLong(6, now);
            insert.addBatch();
            state.spent += charge.amount;
            markDirty(state);
            charge.decided = new ChargeResult.Charged(receiptId, charge.amount, state.remaining());
        } else if (op instanceof LedgerOp.Remaining remaining) {
            remaining.decided = state(db, remaining.scrip).remaining();
        } else if (op instanceof LedgerOp.Refund refund) {
            refund.decided = refund(db, refund.receiptId, now);
        } else if (op instanceof LedgerOp.MarkSettled settle) {
            settle.decided = markSettled(db, settle);
        } else if (op instanceof LedgerOp.Unsettled unsettled) {
            reads.add(unsettled); // after this batch's writes are flushed
        } else if (op instanceof LedgerOp.Stop) {
            op.decided = Boolean.TRUE;
        } else {
            throw new IllegalStateException("unknown ledger operation " + op.getClass().getName());
        }
    }

    private Object refund(LedgerStore db, String receiptId, long now) throws SQLException {
        String issuer;
        String jti;
        long amount;
        boolean refunded;
        PreparedStatement select = db.selectCharge;
        select.setString(1, receiptId);
        try (ResultSet rs = select.executeQuery()) {
            if (!rs.next()) {
                return new LedgerOp.Failure("no such receipt: " + receiptId, null, true);
            }
            issuer = rs.getString(1);
            jti = rs.getString(2);
            amount = rs.getLong(3);
            rs.getLong(4);
            refunded = !rs.wasNull();
        }
        if (refunded) {
            return Boolean.FALSE;
        }
        // Executed now, not batched, so a second refund of the receipt in this batch sees it refunded.
        PreparedStatement update = db.refundCharge;
        update.setLong(1, now);
        update.setString(2, receiptId);
        if (update.executeUpdate() != 1) {
            throw new SQLException("receipt " + receiptId + " changed while being refunded");
        }
        ScripState state = state(db, new ScripState.Key(issuer, jti));
        if (state == null) {
            throw new SQLException("receipt " + receiptId + " refers to a scrip with no row");
        }
        state.spent -= amount;
        if (state.spent < 0) {
            throw new SQLException("refund of " + receiptId + " would take scrip spent below zero");
        }
        if (state.spent < state.settled) {
            LOG.warn("Refund of receipt {} takes scrip {} / {} below its settled amount ({} < {}); the broker has "
                    + "already paid for part of it", receiptId, issuer, jti, state.spent, state.settled);
        }
        markDirty(state);
        return Boolean.TRUE;
    }

    private Object markSettled(LedgerStore db, LedgerOp.MarkSettled op) throws SQLException {
        ScripState state = state(db, op.key);
        long settled = op.settled;
        if (state == null) {
            return settled == 0 ? Boolean.FALSE
                    : new LedgerOp.Failure("no charges recorded on scrip " + op.key.jti(), null, true);
        }
        if (settled <= state.settled) {
            return Boolean.FALSE; // a reply to a retried batch: amounts never go backwards
        }
        if (settled > state.spent) {
            return new LedgerOp.Failure("settled amount " + settled + " exceeds the " + state.spent
                    + " charged on scrip " + op.key.jti(), null, true);
        }
        state.settled = settled;
        markDirty(state);
        return Boolean.TRUE;
    }

    private void markDirty(ScripState state) {
        if (!state.dirty) {
            state.dirty = true;
            dirty.add(state);
        }
    }

    /** The state for a presented scrip: cached, loaded from its row, or new. */
    private ScripState state(LedgerStore db, ScripAccount scrip) throws SQLException {
        ScripState.Key key = new ScripState.Key(scrip.issuer(), scrip.jti());
        ScripState state = states.get(key);
        if (state == null) {
            state = load(db, key);
            if (state == null) {
                state = new ScripState(key, scrip);
            }
            states.put(key, state);
        }
        if (state.budget != scrip.budgetMicros() && !state.budgetMismatchLogged) {
            state.budgetMismatchLogged = true;
            LOG.warn("Scrip {} / {} presented with budget {} but {} is recorded; using the recorded budget",
                    key.issuer(), key.jti(), scrip.budgetMicros(), state.budget);
        }
        return state;
    }

    /** The state for a scrip known by id only: cached or loaded; {@code null} if it has no row and none is pending. */
    private ScripState state(LedgerStore db, ScripState.Key key) throws SQLException {
        ScripState state = states.get(key);
        if (state == null) {
            state = load(db, key);
            if (state != null) {
                states.put(key, state);
            }
        }
        return state == null || (!state.persisted && !state.dirty) ? null : state;
    }

    private static ScripState load(LedgerStore db, ScripState.Key key) throws SQLException {
        PreparedStatement select = db.selectScrip;
        select.setString(1, key.issuer());
        select.setString(2, key.jti());
        try (ResultSet rs = select.executeQuery()) {
            return rs.next() ? new ScripState(key, rs.getLong(1), rs.getLong(2), rs.getLong(3)) : null;
        }
    }

    private void flush(LedgerStore db, long now) throws SQLException {
        if (dirty.isEmpty()) {
            return;
        }
        int inserts = 0;
        int updates = 0;
        for (ScripState state : dirty) {
            if (!state.persisted) {
                ScripAccount scrip = state.account;
                PreparedStatement insert = db.insertScrip;
                insert.setString(1, state.key.issuer());
                insert.setString(2, state.key.jti());
                insert.setString(3, scrip.buyer());
                insert.setString(4, scrip.seller());
                insert.setLong(5, state.budget);
                insert.setString(6, scrip.currency());
                insert.setLong(7, scrip.expiresAt().toEpochMilli());
                insert.setLong(8, state.spent);
                insert.setLong(9, state.settled);
                insert.setLong(10, now);
                insert.addBatch();
                inserts++;
            } else {
                PreparedStatement update = db.updateScrip;
                update.setLong(1, state.spent);
                update.setLong(2, state.settled);
                update.setString(3, state.key.issuer());
                update.setString(4, state.key.jti());
                update.setLong(5, state.dbSpent);
                update.setLong(6, state.dbSettled);
                update.addBatch();
                updates++;
            }
        }
        if (inserts > 0) {
            expectOneEach(db.insertScrip.executeBatch(), "scrip insert");
        }
        if (updates > 0) {
            expectOneEach(db.updateScrip.executeBatch(), "scrip update (row changed behind the ledger's back?)");
        }
        int[] charges = db.insertCharge.executeBatch();
        expectOneEach(charges, "charge insert");
    }

    private static void expectOneEach(int[] counts, String what) throws SQLException {
        for (int count : counts) {
            if (count != 1) {
                throw new SQLException(what + " affected " + count + " rows instead of 1");
            }
        }
    }

    private static List<ScripTotal> unsettled(LedgerStore db, int limit) throws SQLException {
        PreparedStatement select = db.selectUnsettled;
        select.setInt(1, limit);
        List<ScripTotal> rows = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                rows.add(new ScripTotal(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        return List.copyOf(rows);
    }
}
