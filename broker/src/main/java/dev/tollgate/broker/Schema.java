package dev.tollgate.broker;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker database's schema: its migrations by version, kept in {@code PRAGMA user_version}.
 *
 * <p>The first three versions are written out here; later ones belong to the class that owns their tables (such as
 * {@link PayWordTables#MIGRATION}) and are listed here in order.
 */
final class Schema {

    /** Migrations by target version: index 0 takes an empty database to version 1. */
    private static final List<List<String>> MIGRATIONS = List.of(List.of(
            """
            CREATE TABLE buyers (
              id           TEXT PRIMARY KEY,
              api_key_hash BLOB NOT NULL,
              balance      INTEGER NOT NULL CHECK (balance >= 0),
              reserved     INTEGER NOT NULL CHECK (reserved >= 0),
              created_at   INTEGER NOT NULL
            ) STRICT""",
            """
            CREATE TABLE sellers (
              id         TEXT PRIMARY KEY,
              name       TEXT NOT NULL,
              public_key TEXT NOT NULL,
              origins    TEXT NOT NULL,
              credited   INTEGER NOT NULL DEFAULT 0 CHECK (credited >= 0),
              created_at INTEGER NOT NULL
            ) STRICT""",
            """
            CREATE TABLE deposits (
              id         INTEGER PRIMARY KEY,
              buyer      TEXT NOT NULL REFERENCES buyers (id),
              amount     INTEGER NOT NULL CHECK (amount > 0),
              source     TEXT NOT NULL,
              created_at INTEGER NOT NULL
            ) STRICT""",
            "CREATE INDEX deposits_by_buyer ON deposits (buyer)",
            """
            CREATE TABLE scrip (
              jti        TEXT PRIMARY KEY,
              buyer      TEXT NOT NULL REFERENCES buyers (id),
              seller     TEXT NOT NULL REFERENCES sellers (id),
              kid        TEXT NOT NULL,
              budget     INTEGER NOT NULL CHECK (budget > 0),
              redeemed   INTEGER NOT NULL DEFAULT 0 CHECK (redeemed >= 0 AND redeemed <= budget),
              status     TEXT NOT NULL CHECK (status IN ('active', 'settled', 'returned')),
              issued_at  INTEGER NOT NULL,
              expires_at INTEGER NOT NULL
            ) STRICT""",
            "CREATE INDEX scrip_by_buyer ON scrip (buyer, issued_at)"),
            // Version 2: redemptions, expiry returns, sellers located by key thumbprint (see backfillThumbprints()).
            List.of(
            "ALTER TABLE sellers ADD COLUMN key_thumbprint TEXT",
            "CREATE UNIQUE INDEX sellers_by_key ON sellers (key_thumbprint)",
            "ALTER TABLE scrip ADD COLUMN returned INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0)",
            "ALTER TABLE scrip ADD COLUMN returned_at INTEGER",
            "CREATE INDEX scrip_by_expiry ON scrip (status, expires_at)",
            "CREATE INDEX scrip_by_seller ON scrip (seller, issued_at)",
            """
            CREATE TABLE redemptions (
              id         INTEGER PRIMARY KEY,
              scrip      TEXT NOT NULL REFERENCES scrip (jti),
              seller     TEXT NOT NULL REFERENCES sellers (id),
              batch      TEXT NOT NULL,
              amount     INTEGER NOT NULL CHECK (amount > 0),
              created_at INTEGER NOT NULL
            ) STRICT""",
            "CREATE INDEX redemptions_by_seller ON redemptions (seller, created_at)"),
            // Version 3: online charges (docs/PROTOCOL.md section 7), idempotent by (seller, jti).
            List.of(
            """
            CREATE TABLE online_charges (
              id         INTEGER PRIMARY KEY,
              seller     TEXT NOT NULL REFERENCES sellers (id),
              jti        TEXT NOT NULL,
              scrip      TEXT NOT NULL REFERENCES scrip (jti),
              amount     INTEGER NOT NULL CHECK (amount > 0),
              redeemed   INTEGER NOT NULL CHECK (redeemed >= amount),
              created_at INTEGER NOT NULL,
              UNIQUE (seller, jti)
            ) STRICT"""),
            // Version 4: PayWord certificates, commitments and their redemptions (docs/PROTOCOL.md section 8).
            PayWordTables.MIGRATION,
            // Version 5: buyer logins for the browser pages (docs/PROTOCOL.md section 10).
            BuyerLogins.MIGRATION,
            // Version 6: a PayWord chain is unique per (certificate, seller), not per certificate.
            PayWordTables.MIGRATION_V6,
            // Version 7: whether this is a demo database (buyers funded from nothing), recorded and enforced.
            DatabaseMode.MIGRATION,
            // Version 8: Idempotency-Key of POST /v1/scrip, kept 24 hours.
            ScripIdempotency.MIGRATION,
            // Version 9: voided online charges and charge tombstones (docs/PROTOCOL.md section 7).
            VoidStore.MIGRATION,
            // Version 10: redemptions per (scrip, ledger), for sellers settling from several gateway nodes.
            ScripLedgers.MIGRATION,
            // Version 11: PayWord credits per (commitment, ledger), for a chain paid on several gateway nodes.
            PayWordLedgers.MIGRATION);

    static final int SCHEMA_VERSION = MIGRATIONS.size();

    /** The statements that take a database of {@code version} to {@code version + 1} (for migration tests). */
    static List<String> migrationFrom(int version) {
        return MIGRATIONS.get(version);
    }

    /** The schema version {@code migration} takes a database to (for migration tests, whatever the order). */
    static int versionAfter(List<String> migration) {
        int index = MIGRATIONS.indexOf(migration);
        if (index < 0) {
            throw new IllegalArgumentException("not a migration of this schema");
        }
        return index + 1;
    }

    private Schema() {
    }

    /**
     * Takes the database on {@code c} to {@link #SCHEMA_VERSION}, inside the caller's transaction, so that a failed
     * migration leaves the database as it was.
     *
     * @throws SQLException if {@code file} is newer than this code, or a migration fails
     */
    static void migrate(Connection c, Path file) throws SQLException {
        try (Statement st = c.createStatement()) {
            int version;
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException(file + " has schema version " + version + ", newer than this broker's "
                        + SCHEMA_VERSION + "; run a newer broker");
            }
            for (int v = version; v < SCHEMA_VERSION; v++) {
                for (String sql : MIGRATIONS.get(v)) {
                    st.execute(sql);
                }
                if (v == 1) {
                    backfillThumbprints(c);
                }
            }
            st.execute("PRAGMA user_version = " + SCHEMA_VERSION);
        }
    }

    /** Version 2: the key thumbprint of sellers registered before it existed. */
    private static void backfillThumbprints(Connection c) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, public_key FROM sellers")) {
            while (rs.next()) {
                rows.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE sellers SET key_thumbprint = ? WHERE id = ?")) {
            for (String[] row : rows) {
                ps.setString(1, Seller.thumbprintOfSpki(row[1]));
                ps.setString(2, row[0]);
                ps.executeUpdate();
            }
        }
    }
}
