package dev.tollgate.gateway.ledger;

import java.nio.file.Path;

/** Faults injected into a real {@link SqliteLedger}, for tests of the filter in other packages. */
public final class LedgerFaults {

    private LedgerFaults() {
    }

    /**
     * A ledger that gives up a journal slot whose writer failed after 50 ms (not 5 s), so a write made to fail with
     * {@link #failNextWrite} does not hold up folding and settlement for long.
     */
    public static SqliteLedger open(Path file) {
        return SqliteLedger.open(file, SqliteLedger.Durability.PROCESS_CRASH_SAFE,
                LedgerTuning.DEFAULTS.withAbandonMillis(50));
    }

    /** The next journal append (a charge, refund or chain advance) fails, as on an I/O error; later ones work. */
    public static void failNextWrite(SqliteLedger ledger) {
        ledger.onJournalReserved(seq -> {
            ledger.onJournalReserved(null);
            throw new IllegalStateException("injected: the ledger journal cannot be written");
        });
    }
}
