package dev.tollgate.gateway.ledger;

/**
 * The ledger cannot record or read a charge right now (disk full, database closed, Redis down). The gateway fails
 * closed on it: paid content is not served.
 *
 * @since 0.1
 */
public final class LedgerUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public LedgerUnavailableException(String message) {
        super(message);
    }
}
