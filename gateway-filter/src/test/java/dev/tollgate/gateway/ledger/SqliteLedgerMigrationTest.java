package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ledger file of schema version 2 (before streams and chains) is migrated in place to the current version. */
final class SqliteLedgerMigrationTest {

    /** The version-2 schema exactly as release 0.1 created it. */
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
        "CREATE TABLE resources (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE)",
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
        "INSERT INTO meta (key, value) VALUES ('db_id', '00000000000000aa'), ('checkpoint', 8), "
                + "('segment_slots', 262144)",
        "INSERT INTO scrip VALUES (1, '" + ISSUER + "', 'old', 'buyer-old', 'seller-1', 1000, 'EUR', "
                + Instant.parse("2030-01-01T00:00:00Z").toEpochMilli() + ", 300, 100, 1)",
        "INSERT INTO resources VALUES (1, '/articles/1')",
        "INSERT INTO charges VALUES (5, 1, 100, 1, 1, NULL), (6, 1, 200, 1, 2, NULL), (7, 1, 50, 1, 3, 4)",
        "PRAGMA user_version = 2",
    };

    @TempDir
    Path dir;

    @Test
    void aVersionTwoLedgerIsMigratedAndKeepsItsCharges() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement()) {
            for (String sql : SCHEMA_V2) {
                st.execute(sql);
            }
        }
        ScripAccount old = scrip("old", 1_000);
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            assertThat(ledger.remaining(old)).isEqualTo(700);
            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "old", 300, 100));
            ChargeResult charged = ledger.chargeStream(old, 100, "/videos/1", now, now.plusSeconds(60));
            assertThat(charged).isInstanceOfSatisfying(ChargeResult.Charged.class,
                    c -> assertThat(c.receiptId()).startsWith("r-00000000000000aa-").isNotEqualTo(
                            "r-00000000000000aa-000000000005"));
            assertThat(ledger.chargeStream(old, 100, "/videos/1", now, now.plusSeconds(60)))
                    .isInstanceOf(ChargeResult.Entitled.class);
            assertThat(ledger.refund("r-00000000000000aa-000000000006")).isTrue();
            assertThat(ledger.remaining(old)).isEqualTo(800);
            ChainAccount chain = SqliteLedgerChainTest.chain("migrated-chain", 100);
            assertThat(ledger.chargeChain(chain, ledger.chainHead(chain), 2, LedgerKillChild.word(2), 15, "/live/1"))
                    .isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.commitment(ISSUER, "migrated-chain")).contains("jws-of-migrated-chain");
            // Version 5: the outbox of online voids takes a charge made before the migration.
            ledger.queueVoid("r-00000000000000aa-000000000005");
            assertThat(ledger.pendingVoids(10)).containsExactly(new PendingVoid("r-00000000000000aa-000000000005",
                    ISSUER, "old", 100, ledger.pendingVoids(1).get(0).queuedAt(), false));
            ledger.voidConfirmed("r-00000000000000aa-000000000005");
            assertThat(ledger.pendingVoids(10)).isEmpty();
        }
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(LedgerStore.SCHEMA_VERSION);
            }
        }
        assertThat(LedgerFixtures.charges(file))
                .containsEntry("r-00000000000000aa-000000000005", new LedgerFixtures.StoredCharge(ISSUER, "old", 100,
                        false))
                .containsEntry("r-00000000000000aa-000000000006", new LedgerFixtures.StoredCharge(ISSUER, "old", 200,
                        true))
                .containsEntry("r-00000000000000aa-000000000007", new LedgerFixtures.StoredCharge(ISSUER, "old", 50,
                        true))
                .containsValue(new LedgerFixtures.StoredCharge(ISSUER, "migrated-chain", 15, false))
                .hasSize(5);
        assertThat(LedgerFixtures.stored(file, "old")).isEqualTo(new LedgerFixtures.StoredScrip(1_000, 200, 100));
    }
}
