package dev.tollgate.gateway.ledger;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The in-memory view of one scrip: its row id, budget, and what has been reserved against it ({@code spent}, changed
 * only by compare-and-set, so concurrent charges never take it above the budget). Thread-safe.
 *
 * <p>{@code spent} counts every charge whose budget was reserved here (acknowledged, in flight, or of unknown outcome),
 * minus every refund already appended to the journal. It is never below what the database will hold once the journal
 * is folded in, so deciding against it never overspends.
 *
 * <p>A state is evicted by compare-and-setting {@code spent} to {@link #RETIRED}; a caller that sees it takes a fresh
 * state from the map (loaded from the database).
 */
final class ScripState extends StateMap.State<ScripState.Key> {

    /** Identity of a scrip: {@code (issuer, jti)}. */
    record Key(String issuer, String jti) {
    }

    static final long RETIRED = Long.MIN_VALUE;

    private static final VarHandle SPENT;

    static {
        try {
            SPENT = MethodHandles.lookup().findVarHandle(ScripState.class, "spent", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long budget;
    @SuppressWarnings("unused") // accessed through SPENT
    private volatile long spent;
    /** The scrip row's {@code spent} as last committed by this ledger. Guarded by the database lock. */
    long materialized;
    volatile boolean budgetMismatchLogged;

    ScripState(long id, Key key, long budget, long spent, long expiresAtMillis) {
        super(id, key, expiresAtMillis);
        this.budget = budget;
        this.spent = spent;
        this.materialized = spent;
    }

    long spent() {
        return spent;
    }

    boolean compareAndSetSpent(long expected, long value) {
        return SPENT.compareAndSet(this, expected, value);
    }

    /**
     * With no refund in progress or in the journal (the caller checks), the reserved total equals the folded-in total
     * exactly when no positive charge of this scrip is unfolded or in flight. The compare-and-set to RETIRED makes
     * that check atomic with respect to charges.
     */
    @Override
    boolean retireIfFolded() {
        long spent = spent();
        return spent != RETIRED && spent == materialized && compareAndSetSpent(spent, RETIRED);
    }

    /** Adds {@code delta} to a state that cannot be retired meanwhile (see the eviction rule, docs/LEDGER.md). */
    void addSpent(long delta) {
        SPENT.getAndAdd(this, delta);
    }
}
