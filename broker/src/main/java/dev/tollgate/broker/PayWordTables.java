package dev.tollgate.broker;

import java.util.List;

/**
 * The PayWord tables of the broker's database (docs/PROTOCOL.md section 8) as their migrations: certificates with the
 * reservation they hold ({@link PayWordStore}), the commitments sellers claimed on and the redemptions that paid them
 * ({@link PayWordRedemptions}). {@link Schema} lists them in order.
 */
final class PayWordTables {

    /** Schema version 4. */
    static final List<String> MIGRATION = List.of(
            """
            CREATE TABLE payword_certificates (
              id           TEXT PRIMARY KEY,
              buyer        TEXT NOT NULL REFERENCES buyers (id),
              kid          TEXT NOT NULL,
              broker_key   BLOB NOT NULL CHECK (length(broker_key) = 32),
              buyer_key    TEXT NOT NULL,
              limit_micros INTEGER NOT NULL CHECK (limit_micros > 0),
              redeemed     INTEGER NOT NULL DEFAULT 0 CHECK (redeemed >= 0 AND redeemed <= limit_micros),
              status       TEXT NOT NULL CHECK (status IN ('active', 'returned')),
              returned     INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0),
              issued_at    INTEGER NOT NULL,
              expires_at   INTEGER NOT NULL,
              returned_at  INTEGER
            ) STRICT""",
            "CREATE INDEX payword_certificates_by_buyer ON payword_certificates (buyer, issued_at)",
            "CREATE INDEX payword_certificates_by_expiry ON payword_certificates (status, expires_at)",
            commitmentsTable("payword_commitments", "certificate"),
            "CREATE INDEX payword_commitments_by_seller ON payword_commitments (seller, created_at)",
            """
            CREATE TABLE payword_redemptions (
              id         INTEGER PRIMARY KEY,
              commitment TEXT NOT NULL REFERENCES payword_commitments (id),
              seller     TEXT NOT NULL REFERENCES sellers (id),
              batch      TEXT NOT NULL,
              idx        INTEGER NOT NULL CHECK (idx > 0),
              amount     INTEGER NOT NULL CHECK (amount > 0),
              created_at INTEGER NOT NULL
            ) STRICT""",
            "CREATE INDEX payword_redemptions_by_seller ON payword_redemptions (seller, created_at)");

    /**
     * Schema version 6: a chain's uniqueness on a certificate is scoped to its seller. A buyer may commit the same
     * chain (same {@code root}, even the same {@code jti}) to two sellers; each seller's commitment is paid on its
     * own, from the one reservation. SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt. The
     * redemptions that reference it are set aside first (a parent dropped under its children would break their
     * foreign keys for good) and put back, ids included, once the rebuilt table has the old name.
     */
    static final List<String> MIGRATION_V6 = List.of(
            "CREATE TEMP TABLE payword_redemptions_v5 AS SELECT * FROM payword_redemptions",
            "DELETE FROM payword_redemptions",
            commitmentsTable("payword_commitments_v6", "certificate, seller"),
            "INSERT INTO payword_commitments_v6 (id, certificate, seller, jti, root, n, unit, idx, credited, created_at)"
                    + " SELECT id, certificate, seller, jti, root, n, unit, idx, credited, created_at"
                    + " FROM payword_commitments",
            "DROP TABLE payword_commitments",
            "ALTER TABLE payword_commitments_v6 RENAME TO payword_commitments",
            "CREATE INDEX payword_commitments_by_seller ON payword_commitments (seller, created_at)",
            "INSERT INTO payword_redemptions SELECT * FROM temp.payword_redemptions_v5",
            "DROP TABLE temp.payword_redemptions_v5");

    private PayWordTables() {
    }

    /**
     * {@code payword_commitments} as version 4 created it ({@code scope} {@code certificate}: a chain once per
     * certificate) and version 6 rebuilt it ({@code certificate, seller}: once per certificate and seller).
     */
    private static String commitmentsTable(String name, String scope) {
        return """
                CREATE TABLE %s (
                  id          TEXT PRIMARY KEY,
                  certificate TEXT NOT NULL REFERENCES payword_certificates (id),
                  seller      TEXT NOT NULL REFERENCES sellers (id),
                  jti         TEXT NOT NULL,
                  root        TEXT NOT NULL,
                  n           INTEGER NOT NULL CHECK (n > 0),
                  unit        INTEGER NOT NULL CHECK (unit > 0),
                  idx         INTEGER NOT NULL DEFAULT 0 CHECK (idx >= 0 AND idx <= n),
                  credited    INTEGER NOT NULL DEFAULT 0 CHECK (credited >= 0),
                  created_at  INTEGER NOT NULL,
                  UNIQUE (%s, jti),
                  UNIQUE (%s, root)
                ) STRICT""".formatted(name, scope, scope);
    }
}
