package dev.tollgate.gateway.ledger;

/**
 * PayWord chain payments of a {@link SqliteLedger} ({@link Ledger#chainHead}, {@link Ledger#chargeChain}). A chain's
 * head and spending live in a {@link ChainState}, made durable by ADVANCE and CHARGE journal records, the ADVANCE
 * first; its row is read and inserted by {@link ChainRows}. Thread-safe.
 */
final class Chains {

    private final Journal journal;
    private final GroupCommit commit;
    private final Resources resources;
    private final ReceiptIds receipts;
    private final StateMap<ChainState.Key, ChainState> states;
    private final ChainRows rows;
    private final long waitTimeoutNanos;

    Chains(Journal journal, GroupCommit commit, Resources resources, ReceiptIds receipts,
           StateMap<ChainState.Key, ChainState> states, ChainRows rows, long waitTimeoutNanos) {
        this.journal = journal;
        this.commit = commit;
        this.resources = resources;
        this.receipts = receipts;
        this.states = states;
        this.rows = rows;
        this.waitTimeoutNanos = waitTimeoutNanos;
    }

    /** How many chain states are in memory. */
    int size() {
        return states.size();
    }

    ChainHead head(ChainAccount chain) throws LedgerUnavailableException {
        ChainState.Key key = new ChainState.Key(chain.issuer(), chain.commitmentId());
        while (true) {
            ChainState state = states.get(key);
            if (state == null || state.snapshot() == ChainState.RETIRED) {
                state = rows.load(key, chain, null).state();
                if (state == null) {
                    return new ChainHead(0, chain.root(), 0, 0);
                }
            }
            ChainState.Snapshot s = state.snapshot();
            if (s != ChainState.RETIRED) {
                return state.head(s);
            }
        }
    }

    ChargeResult charge(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                        String resource) throws LedgerUnavailableException {
        if (index < 1 || index > chain.length()) {
            throw new IllegalArgumentException("index " + index + " is outside 1.." + chain.length());
        }
        if (word.length != JournalRecord.WORD_BYTES) {
            throw new IllegalArgumentException("word must be 32 bytes, not " + word.length);
        }
        ChainState.Key key = new ChainState.Key(chain.issuer(), chain.commitmentId());
        while (true) {
            ChainState state = states.get(key);
            if (state == null || state.snapshot() == ChainState.RETIRED) {
                ChainRows.Loaded loaded = rows.load(key, chain,
                        new ChainRows.FirstPayment(expected.index(), index, amountMicros));
                if (loaded.refused() != null) {
                    return loaded.refused();
                }
                state = loaded.state();
            }
            ChargeResult result = charge(state, expected, index, word, amountMicros, resource);
            if (result != null) {
                return result;
            }
            // evicted meanwhile, before anything changed: take a fresh state
        }
    }

    /** The charge on one state; {@code null} if the state was retired before anything changed. */
    private ChargeResult charge(ChainState state, ChainHead expected, int index, byte[] word, long amountMicros,
                                String resource) throws LedgerUnavailableException {
        ChainState.Snapshot after;
        int resourceId;
        boolean advanced = false;
        while (true) {
            ChainState.Snapshot s = state.snapshot();
            if (s == ChainState.RETIRED) {
                return null;
            }
            if (s.index() != expected.index()) {
                return new ChargeResult.HeadMoved(state.head(s));
            }
            if (index > s.index()) {
                LockedStore.acquire(state.advanceLock, waitTimeoutNanos, "ledger chain is busy");
                try {
                    resourceId = advance(state, expected, index, word, amountMicros, resource);
                } finally {
                    state.advanceLock.unlock();
                }
                if (resourceId == RETIRED) {
                    return null;
                }
                if (resourceId < 0) {
                    s = state.snapshot();
                    return s.index() != expected.index() ? new ChargeResult.HeadMoved(state.head(s))
                            : new ChargeResult.Insufficient(Math.max(0, s.paid(state.unit) - s.spent()));
                }
                after = state.snapshot();
                advanced = true;
                break;
            }
            long credit = s.paid(state.unit) - s.spent() - s.ahead();
            if (amountMicros > credit) {
                if (s.ahead() > 0) {
                    // An advance in progress holds part of the credit: wait for it to end, then look again.
                    LockedStore.acquire(state.advanceLock, waitTimeoutNanos, "ledger chain is busy");
                    state.advanceLock.unlock();
                    continue;
                }
                return new ChargeResult.Insufficient(Math.max(0, credit));
            }
            after = new ChainState.Snapshot(s.index(), s.word(), s.spent() + amountMicros, s.ahead());
            if (state.compareAndSet(s, after)) {
                try {
                    resourceId = resources.id(resource); // only now: a refused payment writes nothing
                } catch (LedgerUnavailableException | RuntimeException e) {
                    state.giveBack(amountMicros);
                    throw e;
                }
                break;
            }
        }
        long seq;
        try {
            // After an advance, the head has moved: its charge is written even with the backlog full.
            seq = journal.append(!advanced, JournalRecord.CHARGE | JournalRecord.ON_CHAIN, state.id, amountMicros,
                    resourceId, System.currentTimeMillis(), 0, 0);
        } catch (LedgerUnavailableException e) {
            state.giveBack(amountMicros); // nothing was written: give the credit back (a moved head stays)
            throw e;
        }
        commit.acknowledge(seq);
        long remaining = Math.max(0, after.paid(state.unit) - after.spent());
        return new ChargeResult.Charged(receipts.format(seq), amountMicros, remaining);
    }

    /** {@link #advance} found the state retired. */
    private static final int RETIRED = -2;
    /** {@link #advance} refused: the head moved or the new credit does not cover the amount; nothing changed. */
    private static final int REFUSED = -1;

    /**
     * Moves the head to {@code (index, word)} and takes {@code amount} from the new credit: reserves it, looks up the
     * resource's row (inserting it: the payment is accepted now), appends the ADVANCE record, then publishes the new
     * head. Returns the resource's row id, or {@link #REFUSED} or {@link #RETIRED} with nothing changed. Caller holds
     * the advance lock.
     */
    private int advance(ChainState state, ChainHead expected, int index, byte[] word, long amount, String resource)
            throws LedgerUnavailableException {
        long newPaid = index * state.unit;
        ChainState.Snapshot s;
        while (true) {
            s = state.snapshot();
            if (s == ChainState.RETIRED) {
                return RETIRED;
            }
            if (s.index() != expected.index() || amount > newPaid - s.spent()) {
                return REFUSED;
            }
            if (state.compareAndSet(s, new ChainState.Snapshot(s.index(), s.word(), s.spent(), amount))) {
                break;
            }
        }
        // From here the state cannot be retired: the advance lock is held (and a positive amount is reserved).
        byte[] copy = word.clone();
        int resourceId;
        try {
            resourceId = resources.id(resource);
            journal.appendAdvance(state.id, index, copy);
        } catch (LedgerUnavailableException | RuntimeException e) {
            while (true) { // not written: release the reservation
                s = state.snapshot();
                if (state.compareAndSet(s, new ChainState.Snapshot(s.index(), s.word(), s.spent(), 0))) {
                    throw e;
                }
            }
        }
        while (true) {
            s = state.snapshot();
            if (state.compareAndSet(s, new ChainState.Snapshot(index, copy, s.spent() + amount, 0))) {
                return resourceId;
            }
        }
    }
}
