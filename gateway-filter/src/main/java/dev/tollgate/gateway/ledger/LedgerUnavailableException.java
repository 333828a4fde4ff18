package dev.tollgate.gateway.ledger;

/**
 * The ledger cannot record or read a charge right now (disk full, database closed, Redis down). The gateway fails
 * closed on it: paid content is not served.
 *
 * @since 0.1
 */
public final class LedgerUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    private final boolean budgetBusy;

    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
        this.budgetBusy = false;
    }

    public LedgerUnavailableException(String message) {
        super(message);
        this.budgetBusy = false;
    }

    private LedgerUnavailableException(String message, boolean budgetBusy) {
        super(message);
        this.budgetBusy = budgetBusy;
    }

    /**
     * The scrip's budget may cover the charge, but other nodes of a cluster hold it right now (docs/CLUSTER.md): the
     * gateway answers {@code 503 budget_busy} with {@code Retry-After: 1}, since the rest returns within seconds.
     *
     * @since 0.5
     */
    public static LedgerUnavailableException budgetBusy(String message) {
        return new LedgerUnavailableException(message, true);
    }

    /**
     * Whether this is {@link #budgetBusy(String)}: worth asking again in a second, not a failure of the ledger.
     *
     * @since 0.5
     */
    public boolean budgetBusy() {
        return budgetBusy;
    }
}
