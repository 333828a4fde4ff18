package dev.tollgate.broker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What each of a seller's ledgers redeemed on a scrip (docs/PROTOCOL.md section 6, "Several ledgers"): a seller that
 * runs several gateway nodes settles from each node's own ledger, its claims cumulative per (scrip, ledger). The
 * scrip's {@code redeemed} stays the sum over its ledgers, so budget checks, expiry returns and cancels read one
 * number; a claim is credited {@code min(spent, budget - others) - mine}. The ledger {@code ""} is a seller's single
 * ledger (a claim without {@code ledger}). Every method runs inside the caller's transaction.
 */
final class ScripLedgers {

    /** The most ledgers one scrip is redeemed from: bounds the rows a seller can make the broker keep per scrip. */
    static final int MAX_PER_SCRIP = 64;
    /** A ledger id on the wire: a node ledger's database id, or any short token. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Version 10: redemptions per (scrip, ledger); what was redeemed before is the single ledger's. */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE scrip_ledgers (
              scrip    TEXT NOT NULL REFERENCES scrip (jti),
              ledger   TEXT NOT NULL,
              redeemed INTEGER NOT NULL CHECK (redeemed >= 0),
              PRIMARY KEY (scrip, ledger)
            ) STRICT, WITHOUT ROWID""",
            "INSERT INTO scrip_ledgers (scrip, ledger, redeemed) SELECT jti, '', redeemed FROM scrip"
                    + " WHERE redeemed > 0",
            "ALTER TABLE online_charges ADD COLUMN ledger TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE redemptions ADD COLUMN ledger TEXT NOT NULL DEFAULT ''");

    private ScripLedgers() {
    }

    /**
     * The optional {@code ledger} member of a claim or a charge request: {@code ""} if absent.
     *
     * @throws ApiException 400 {@code invalid_ledger} if present but not 1 to 64 letters, digits, {@code _} or
     *     {@code -}
     */
    static String parse(ObjectNode node, String where) throws ApiException {
        if (!node.has("ledger")) {
            return "";
        }
        String ledger = node.get("ledger").isTextual() ? node.get("ledger").asText() : null;
        if (ledger == null || !ID.matcher(ledger).matches()) {
            throw ApiException.badRequest("invalid_ledger", where + ".ledger must be the claiming ledger's id: 1 to 64"
                    + " letters, digits, '_' or '-' (leave it out for a seller's single ledger)");
        }
        return ledger;
    }

    private static final LedgerRows ROWS = new LedgerRows("scrip_ledgers", "scrip", "redeemed");

    /** What {@code ledger} redeemed on {@code scrip} (0 if nothing). */
    static long redeemed(Connection c, String scrip, String ledger) throws SQLException {
        return ROWS.amount(c, scrip, ledger);
    }

    /** Whether {@code ledger} may redeem on {@code scrip}: it did before, or the scrip has room for one more. */
    static boolean admits(Connection c, String scrip, String ledger) throws SQLException {
        return ROWS.admits(c, scrip, ledger);
    }

    /** Adds {@code amount} (negative for a void) to what {@code ledger} redeemed on {@code scrip}. */
    static void add(Connection c, String scrip, String ledger, long amount) throws SQLException {
        ROWS.add(c, scrip, ledger, amount);
    }
}
