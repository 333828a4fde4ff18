package dev.tollgate.broker;

import java.util.List;

/**
 * What each of a seller's ledgers was credited on a PayWord commitment (docs/PROTOCOL.md section 8, "Several
 * ledgers"): a seller running several gateway nodes takes the words of one chain on several nodes, each node
 * claiming what its own ledger charged, cumulative per (commitment, ledger). The commitment's {@code credited} stays
 * the sum and its {@code idx} the highest word any ledger proved; a claim is credited
 * {@code min(spent, index × unit, idx × unit − others) − mine} ({@link PayWordRedemptions}). The ledger {@code ""}
 * is a seller's single ledger.
 */
final class PayWordLedgers {

    /** Version 11: PayWord credits per (commitment, ledger); what was credited before is the single ledger's. */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE payword_ledgers (
              commitment TEXT NOT NULL REFERENCES payword_commitments (id),
              ledger     TEXT NOT NULL,
              credited   INTEGER NOT NULL CHECK (credited >= 0),
              PRIMARY KEY (commitment, ledger)
            ) STRICT, WITHOUT ROWID""",
            "INSERT INTO payword_ledgers (commitment, ledger, credited) SELECT id, '', credited"
                    + " FROM payword_commitments WHERE credited > 0");

    private PayWordLedgers() {
    }

    /** What each ledger was credited on each commitment. */
    static final LedgerRows ROWS = new LedgerRows("payword_ledgers", "commitment", "credited");
}
