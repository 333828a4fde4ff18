package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;

/**
 * Pays for a metered response one unit at a time. The scrip implementation charges the ledger; a PayWord
 * implementation draws on a chain's credit. Used by one request's thread.
 */
public interface UnitCharger {

    /**
     * What the buyer can spend now, in micro-units, before the body starts: divided by the unit price it decides
     * where the body is cut.
     */
    long remainingMicros() throws LedgerUnavailableException;

    /**
     * Charges one unit durably before its bytes are written: {@link ChargeResult.Charged}, or any other result when
     * the unit cannot be paid (the budget was taken meanwhile), in which case the response is aborted.
     */
    ChargeResult chargeUnit() throws LedgerUnavailableException;

    /** Units paid with scrip: each is one ledger charge of the unit price on the same scrip. */
    static UnitCharger scrip(Ledger ledger, ScripAccount scrip, long unitMicros, String resource) {
        return new UnitCharger() {
            @Override
            public long remainingMicros() throws LedgerUnavailableException {
                return ledger.remaining(scrip);
            }

            @Override
            public ChargeResult chargeUnit() throws LedgerUnavailableException {
                return ledger.charge(scrip, unitMicros, resource);
            }
        };
    }
}
