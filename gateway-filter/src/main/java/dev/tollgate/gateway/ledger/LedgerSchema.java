package dev.tollgate.gateway.ledger;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's SQLite schema ({@code PRAGMA user_version}) and its migrations: a new file is created as version 2 and
 * migrated by the same steps as an older one, all in one transaction; a newer file, or one of version 1, is refused.
 * To migrate to a later version, raise {@link #SCHEMA_VERSION} and add an {@code if (version < N)} step in
 * {@link #migrate}. See docs/LEDGER.md, "Schema".
 */
final class LedgerSchema {

    /** Logs as {@link LedgerStore}, which opens the file. */
    private static final Logger LOG = LoggerFactory.getLogger(LedgerStore.class);

    /** Bump with a migration step in {@link #migrate}. */
    static final int SCHEMA_VERSION = 9;

    private static final String[] SCHEMA_V2 = {
        """
        CREATE TABLE scrip (
            id         INTEGER PRIMARY KEY,
            issuer     TEXT    NOT NULL,
            jti        TEXT    NOT NULL,
            buyer      TEXT    NOT NULL,
            seller     TEXT    NOT NULL,
            budget     INTEGER NOT NULL CHECK (budget >= 0),
            currency   TEXT    NOT NULL,
            expires_at INTEGER NOT NULL,
            spent      INTEGER NOT NULL CHECK (spent >= 0 AND spent <= budget),
            settled    INTEGER NOT NULL CHECK (settled >= 0),
            first_seen INTEGER NOT NULL,
            UNIQUE (issuer, jti)
        )""",
        """
        CREATE TABLE resources (
            id   INTEGER PRIMARY KEY,
            path TEXT    NOT NULL UNIQUE
        )""",
        """
        CREATE TABLE charges (
            seq         INTEGER PRIMARY KEY,
            scrip_id    INTEGER NOT NULL,
            amount      INTEGER NOT NULL CHECK (amount >= 0),
            resource_id INTEGER NOT NULL,
            created_at  INTEGER NOT NULL,
            refunded_at INTEGER
        )""",
        "CREATE INDEX charges_scrip ON charges (scrip_id)",
        "CREATE INDEX scrip_unsettled ON scrip (first_seen) WHERE spent > settled",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID",
        """
        CREATE VIEW receipts AS
        SELECT printf('r-%s-%012x', (SELECT value FROM meta WHERE key = 'db_id'), c.seq) AS receipt_id,
               s.issuer, s.jti, c.amount, r.path AS resource, c.created_at, c.refunded_at, c.seq
        FROM charges c JOIN scrip s ON s.id = c.scrip_id LEFT JOIN resources r ON r.id = c.resource_id""",
    };

    /**
     * Version 3: streams (a charge may entitle its buyer to a stream until {@code entitled_until}) and PayWord chains
     * (the {@code chains} table; a chain's charges have {@code chain_id} set and {@code scrip_id} 0). A certificate
     * ({@code issuer, cert_id}) has at most one chain per root and per commitment {@code jti}, and its chains'
     * {@code length x unit} add up to at most its limit ({@code Chains} checks the sum at insertion).
     */
    private static final String[] SCHEMA_V3 = {
        "ALTER TABLE charges ADD COLUMN entitled_until INTEGER",
        "ALTER TABLE charges ADD COLUMN chain_id INTEGER",
        "CREATE INDEX scrip_buyer ON scrip (issuer, buyer)",
        """
        CREATE INDEX charges_entitlement ON charges (scrip_id, resource_id, entitled_until)
        WHERE entitled_until IS NOT NULL""",
        """
        CREATE TABLE chains (
            id            INTEGER PRIMARY KEY,
            issuer        TEXT    NOT NULL,
            commitment_id TEXT    NOT NULL,
            commitment    TEXT    NOT NULL,
            buyer         TEXT    NOT NULL,
            seller        TEXT    NOT NULL,
            length        INTEGER NOT NULL CHECK (length >= 1),
            unit          INTEGER NOT NULL CHECK (unit >= 1),
            currency      TEXT    NOT NULL,
            expires_at    INTEGER NOT NULL,
            root          BLOB    NOT NULL,
            head_index    INTEGER NOT NULL CHECK (head_index >= 0 AND head_index <= length),
            head_word     BLOB    NOT NULL,
            spent         INTEGER NOT NULL CHECK (spent >= 0 AND spent <= head_index * unit),
            settled_index INTEGER NOT NULL CHECK (settled_index >= 0 AND settled_index <= head_index),
            first_seen    INTEGER NOT NULL,
            cert_id       TEXT    NOT NULL,
            cert_limit    INTEGER NOT NULL CHECK (cert_limit >= length * unit),
            jti           TEXT    NOT NULL,
            UNIQUE (issuer, commitment_id),
            UNIQUE (issuer, cert_id, root),
            UNIQUE (issuer, cert_id, jti)
        )""",
        "CREATE INDEX chains_unsettled ON chains (first_seen) WHERE head_index > settled_index",
        "CREATE INDEX charges_chain ON charges (chain_id) WHERE chain_id IS NOT NULL",
        "DROP VIEW receipts",
        """
        CREATE VIEW receipts AS
        SELECT printf('r-%s-%012x', (SELECT value FROM meta WHERE key = 'db_id'), c.seq) AS receipt_id,
               coalesce(s.issuer, ch.issuer) AS issuer, coalesce(s.jti, ch.commitment_id) AS jti, c.amount,
               r.path AS resource, c.created_at, c.refunded_at, c.seq, c.entitled_until,
               c.chain_id IS NOT NULL AS on_chain
        FROM charges c
        LEFT JOIN scrip s ON s.id = c.scrip_id AND c.chain_id IS NULL
        LEFT JOIN chains ch ON ch.id = c.chain_id
        LEFT JOIN resources r ON r.id = c.resource_id""",
    };

    /**
     * Version 4: a chain settles what its requests consumed, not what its words paid, so credit paid ahead and never
     * used goes back to the buyer. {@code chains.settled} is what the broker has credited (micro-units); it starts at
     * what version 3 settled by index ({@code settled_index x unit}). A chain waits for settlement while
     * {@code spent > settled}. {@code settled_index} stays: the highest index the broker has verified.
     */
    private static final String[] SCHEMA_V4 = {
        "ALTER TABLE chains ADD COLUMN settled INTEGER NOT NULL DEFAULT 0 CHECK (settled >= 0)",
        "UPDATE chains SET settled = settled_index * unit",
        "DROP INDEX chains_unsettled",
        "CREATE INDEX chains_unsettled ON chains (first_seen) WHERE spent > settled",
    };

    /** Version 5: the outbox. A row names its charge by seq and repeats its scrip and amount (it may be unfolded). */
    private static final String[] SCHEMA_V5 = {
        """
        CREATE TABLE online_voids (
            seq       INTEGER PRIMARY KEY,
            scrip_id  INTEGER NOT NULL,
            amount    INTEGER NOT NULL CHECK (amount >= 0),
            queued_at INTEGER NOT NULL
        )""",
    };

    /**
     * Version 6 (5 is the online voids' queue): what each certificate's chains commit, kept with
     * every chain insertion, so refusing a chain that would pass the certificate's limit is one indexed lookup
     * instead of a scan of the certificate's chains (which an attacker could make long).
     */
    private static final String[] SCHEMA_V6_CERTIFICATES = {
        """
        CREATE TABLE certificates (
            issuer    TEXT    NOT NULL,
            cert_id   TEXT    NOT NULL,
            committed INTEGER NOT NULL CHECK (committed >= 0),
            PRIMARY KEY (issuer, cert_id)
        ) WITHOUT ROWID""",
        """
        INSERT INTO certificates (issuer, cert_id, committed)
        SELECT issuer, cert_id, SUM(length * unit) FROM chains GROUP BY issuer, cert_id""",
    };

    /**
     * Version 7: x402 payment identifiers (PROTOCOL.md section 11). A charge made under one keeps the first 16 bytes
     * of the identifier's SHA-256, so a ledger reopened within the replay window still answers a retry with the
     * original receipt. Indexed only where present, for the load at open.
     */
    private static final String[] SCHEMA_V7_PAYMENT_IDS = {
        "ALTER TABLE charges ADD COLUMN payment_id BLOB",
        "CREATE INDEX charges_payment_id ON charges (created_at) WHERE payment_id IS NOT NULL",
    };

    /**
     * Version 8: the charges made under a payment identifier whose content a replay served, by seq, so that a refund
     * after a restart still refuses them (PaymentIds). Rows of replays older than the identifiers' window are deleted
     * as new ones are written and at open.
     */
    private static final String[] SCHEMA_V8_SERVED = {
        "CREATE TABLE served (seq INTEGER PRIMARY KEY, served_at INTEGER NOT NULL)",
    };

    /**
     * Version 9: no index on {@code charges (scrip_id)}. No query of the gateway used it, and with many buyers it cost
     * the fold more than everything else: their charges' entries land on as many pages of the index as there are
     * buyers in a pass, each page written to the WAL at the commit and again at its checkpoint (1,000 buyers: about
     * 10 µs of CPU per charge, docs/BENCHMARKS.md section 8). An operator looking up one scrip's receipts scans
     * {@code charges}, or creates the index again (the gateway runs the same with it, only slower).
     */
    private static final String[] SCHEMA_V9_NO_SCRIP_INDEX = {
        "DROP INDEX IF EXISTS charges_scrip",
    };

    private LedgerSchema() {
    }

    static void migrate(Connection connection, Path file, int segmentSlots) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            int version;
            try (ResultSet rs = statement.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new SchemaVersionException(String.format(Locale.ROOT,
                        "ledger %s has schema version %d; this build knows up to %d", file, version, SCHEMA_VERSION));
            }
            if (version == SCHEMA_VERSION) {
                return;
            }
            if (version == 1) {
                // Decided: no conversion. Version 1 (the pre-journal layout) was never deployed, and its TEXT receipt
                // ids cannot be expressed as journal sequence numbers.
                throw new SchemaVersionException(String.format(Locale.ROOT,
                        "ledger %s has schema version 1 (the pre-journal layout), which this build does not convert; "
                                + "settle it with the broker, move it aside and start a new ledger file", file));
            }
            connection.setAutoCommit(false);
            try {
                if (version < 2) {
                    for (String ddl : SCHEMA_V2) {
                        statement.execute(ddl);
                    }
                    try (PreparedStatement meta = connection.prepareStatement(
                            "INSERT INTO meta (key, value) VALUES (?, ?)")) {
                        meta.setString(1, LedgerStore.META_DB_ID);
                        meta.setString(2, HexFormat.of().toHexDigits(new SecureRandom().nextLong()));
                        meta.executeUpdate();
                        meta.setString(1, LedgerStore.META_CHECKPOINT);
                        meta.setLong(2, 0);
                        meta.executeUpdate();
                        meta.setString(1, LedgerStore.META_SEGMENT_SLOTS);
                        meta.setLong(2, segmentSlots);
                        meta.executeUpdate();
                    }
                }
                if (version < 3) {
                    for (String ddl : SCHEMA_V3) {
                        statement.execute(ddl);
                    }
                }
                if (version < 4) {
                    for (String ddl : SCHEMA_V4) {
                        statement.execute(ddl);
                    }
                }
                if (version < 5) {
                    for (String ddl : SCHEMA_V5) {
                        statement.execute(ddl);
                    }
                }
                if (version < 6) {
                    for (String ddl : SCHEMA_V6_CERTIFICATES) {
                        statement.execute(ddl);
                    }
                }
                if (version < 7) {
                    for (String ddl : SCHEMA_V7_PAYMENT_IDS) {
                        statement.execute(ddl);
                    }
                }
                if (version < 8) {
                    for (String ddl : SCHEMA_V8_SERVED) {
                        statement.execute(ddl);
                    }
                }
                if (version < 9) {
                    for (String ddl : SCHEMA_V9_NO_SCRIP_INDEX) {
                        statement.execute(ddl);
                    }
                }
                statement.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                connection.commit();
                if (version == 0) {
                    LOG.info("Ledger {} created with schema version {}", file, SCHEMA_VERSION);
                } else {
                    LOG.info("Ledger {} migrated from schema version {} to {}", file, version, SCHEMA_VERSION);
                }
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** The database file is newer (or of a layout this code does not convert). Not retried. */
    static final class SchemaVersionException extends SQLException {
        private static final long serialVersionUID = 1L;

        SchemaVersionException(String message) {
            super(message);
        }
    }
}
