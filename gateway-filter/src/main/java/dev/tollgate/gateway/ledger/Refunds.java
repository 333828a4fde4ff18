package dev.tollgate.gateway.ledger;

import java.sql.ResultSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refunds of a {@link SqliteLedger}: of scrip charges (the money goes back to the scrip), stream charges (the
 * entitlement is revoked too) and chain charges (the money goes back to the chain's credit). Refunds are rare and
 * serialized by the lock of {@link PendingRefunds}. Thread-safe.
 */
final class Refunds {

    private static final Logger LOG = LoggerFactory.getLogger(Refunds.class);

    /** A charge as stored, in SQLite or still in the journal. */
    record StoredCharge(long accountId, boolean chain, long amount, int resourceId, long createdMillis,
                        boolean refunded, long entitledUntilMillis, PaymentIds.Hash paymentId) {
    }

    private final LockedStore store;
    private final Journal journal;
    private final GroupCommit commit;
    private final PendingRefunds pending;
    private final ScripStates scrips;
    private final ChainRows chains;
    private final Entitlements entitlements;
    private final PaymentIds paymentIds;
    private final long waitTimeoutNanos;
    /** Tests only: runs right after a REFUND record is appended, with the refunded seq. */
    volatile LongConsumer appendedHook;

    Refunds(LockedStore store, Journal journal, GroupCommit commit, PendingRefunds pending, ScripStates scrips,
            ChainRows chains, Entitlements entitlements, PaymentIds paymentIds) {
        this.store = store;
        this.journal = journal;
        this.commit = commit;
        this.pending = pending;
        this.scrips = scrips;
        this.chains = chains;
        this.entitlements = entitlements;
        this.paymentIds = paymentIds;
        this.waitTimeoutNanos = store.waitTimeoutNanos();
    }

    boolean refund(long seq, String receiptId) throws LedgerUnavailableException {
        long deadline = System.nanoTime() + waitTimeoutNanos;
        ReentrantLock lock = pending.lock;
        LockedStore.acquire(lock, waitTimeoutNanos, "ledger refunds are busy");
        try {
            store.ensureOpen();
            if (pending.inJournal(seq)) {
                return false;
            }
            StoredCharge charge = find(seq);
            if (charge == null) {
                throw new IllegalArgumentException("no such receipt: " + receiptId);
            }
            if (charge.refunded) {
                return false;
            }
            if (charge.paymentId != null) {
                return refundIdentified(seq, receiptId, charge, deadline);
            }
            if (charge.chain) {
                ChainState state = chains.byId(charge.accountId);
                long refundSeq = append(seq, charge);
                awaitDurable(refundSeq, deadline);
                state.giveBack(charge.amount);
                return true;
            }
            ScripState state = scrips.byId(charge.accountId);
            Entitlements.Key key = charge.entitledUntilMillis == 0 ? null
                    : entitlements.keyOf(charge.accountId, charge.resourceId);
            ReentrantLock stripe = null;
            if (key != null) {
                // Held while the entitlement is revoked, so no lookup of it can put it back meanwhile.
                stripe = entitlements.stripe(key);
                LockedStore.acquire(stripe, waitTimeoutNanos, "ledger entitlements are busy");
            }
            try {
                if (key != null && !entitlements.mayRefund(key, seq)) {
                    LOG.info("Kept charge {}: another request already passed on the stream entitlement it bought",
                            receiptId);
                    return false;
                }
                long refundSeq;
                try {
                    refundSeq = append(seq, charge);
                } catch (LedgerUnavailableException | RuntimeException e) {
                    if (key != null) {
                        entitlements.keep(key, seq); // the charge stands, and so does its entitlement
                    }
                    throw e;
                }
                if (key != null) {
                    entitlements.revoke(key, seq);
                }
                awaitDurable(refundSeq, deadline);
            } finally {
                if (stripe != null) {
                    stripe.unlock();
                }
            }
            state.addSpent(-charge.amount);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A charge made under a payment identifier: refunded unless a replay served its content, and its identifier
     * forgotten, both under the identifier's stripe so that no replay passes on it meanwhile. Caller holds the refund
     * lock.
     */
    private boolean refundIdentified(long seq, String receiptId, StoredCharge charge, long deadline)
            throws LedgerUnavailableException {
        Runnable giveBack;
        if (charge.chain) {
            ChainState state = chains.byId(charge.accountId);
            giveBack = () -> state.giveBack(charge.amount);
        } else {
            ScripState state = scrips.byId(charge.accountId);
            giveBack = () -> state.addSpent(-charge.amount);
        }
        PaymentIds.Key key = new PaymentIds.Key(charge.accountId, charge.chain, charge.paymentId);
        ReentrantLock stripe = paymentIds.lock(charge.paymentId);
        try {
            if (!paymentIds.mayRefund(key, seq)) {
                LOG.info("Kept charge {}: a request sent again under its payment identifier got its content",
                        receiptId);
                return false;
            }
            long refundSeq = append(seq, charge);
            paymentIds.refunded(key, seq);
            awaitDurable(refundSeq, deadline);
        } finally {
            stripe.unlock();
        }
        giveBack.run();
        return true;
    }

    private long append(long seq, StoredCharge charge) throws LedgerUnavailableException {
        pending.appending(seq); // before the record exists (see there)
        long refundSeq;
        try {
            // Not gated by the backlog: a refund returns money, and there is at most one per charge in flight.
            refundSeq = journal.append(false, JournalRecord.REFUND | (charge.chain ? JournalRecord.ON_CHAIN : 0),
                    charge.accountId, charge.amount, charge.resourceId, charge.createdMillis, seq,
                    System.currentTimeMillis());
        } catch (LedgerUnavailableException | RuntimeException e) {
            pending.notAppended(seq); // not written: no REFUND record of it will ever be folded in
            throw e;
        }
        LongConsumer hook = appendedHook;
        if (hook != null) {
            hook.accept(seq);
        }
        return refundSeq;
    }

    private void awaitDurable(long refundSeq, long deadline) throws LedgerUnavailableException {
        if (commit.sync()) {
            // Durable before the money can be charged again: a later charge's record never survives without it.
            commit.awaitDurable(refundSeq, deadline);
        }
    }

    /** The charge in SQLite, else in the journal (not folded in yet); {@code null} if neither has it. */
    StoredCharge find(long seq) throws LedgerUnavailableException {
        return store.withDb("ledger read failed", db -> {
            db.selectCharge.setLong(1, seq);
            StoredCharge found = null;
            try (ResultSet rs = db.selectCharge.executeQuery()) {
                if (rs.next()) {
                    long scripId = rs.getLong(1);
                    long amount = rs.getLong(2);
                    int resourceId = rs.getInt(3);
                    long created = rs.getLong(4);
                    rs.getLong(5);
                    boolean refunded = !rs.wasNull();
                    long entitledUntil = rs.getLong(6);
                    long chainId = rs.getLong(7);
                    boolean chain = !rs.wasNull();
                    found = new StoredCharge(chain ? chainId : scripId, chain, amount, resourceId, created, refunded,
                            entitledUntil, PaymentIds.Hash.of(rs.getBytes(8)));
                }
            }
            db.commit();
            if (found == null) {
                // Segments are deleted only after their records are committed, under the database lock.
                JournalRecord record = journal.record(seq);
                if (record != null && record.type() == JournalRecord.CHARGE) {
                    found = new StoredCharge(record.scripId(), record.chain(), record.amount(), record.resourceId(),
                            record.createdMillis(), false, record.entitledUntilMillis(), record.paymentId());
                }
            }
            return found;
        });
    }
}
