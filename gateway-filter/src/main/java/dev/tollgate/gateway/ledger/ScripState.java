package dev.tollgate.gateway.ledger;

/**
 * The writer thread's view of one scrip: the budget and totals as committed ({@code db*}) and as decided in the
 * running batch. Only the writer thread touches instances.
 */
final class ScripState {

    /** Identity of a scrip: {@code (issuer, jti)}. */
    record Key(String issuer, String jti) {
    }

    final Key key;
    final long budget;
    /** The scrip as first presented, for inserting its row; {@code null} once the row exists. */
    ScripAccount account;
    boolean persisted;
    long spent;
    long settled;
    long dbSpent;
    long dbSettled;
    boolean dirty;
    boolean budgetMismatchLogged;

    /** A scrip the database has no row for yet. */
    ScripState(Key key, ScripAccount account) {
        this.key = key;
        this.budget = account.budgetMicros();
        this.account = account;
    }

    /** A scrip loaded from its row. */
    ScripState(Key key, long budget, long spent, long settled) {
        this.key = key;
        this.budget = budget;
        this.persisted = true;
        this.spent = spent;
        this.settled = settled;
        this.dbSpent = spent;
        this.dbSettled = settled;
    }

    long remaining() {
        return budget - spent;
    }

    /** After COMMIT returned: what was decided is now what is stored. */
    void committed() {
        persisted = true;
        account = null;
        dbSpent = spent;
        dbSettled = settled;
        dirty = false;
    }
}
