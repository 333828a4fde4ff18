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

/**
 * Older ledger files are migrated in place to the current version: version 2 (before streams and chains) and
 * version 3 (chains settled by index, before the certificates' committed totals).
 */
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

    /** What release 0.2 added to version 2 to make version 3, exactly. */
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
        "PRAGMA user_version = 3",
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
                assertThat(rs.getInt(1)).isEqualTo(LedgerSchema.SCHEMA_VERSION);
            }
            // Version 8: the index on charges (scrip_id), which the fold paid for with every buyer, is gone.
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'charges_scrip'")) {
                assertThat(rs.getInt(1)).isZero();
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

    @Test
    void aVersionThreeLedgerLearnsWhatItsCertificatesAlreadyCommit() throws Exception {
        Path file = dir.resolve("ledger.db");
        // Limit 250 on cert-1: chains of 10 x 10 and 12 x 10 commit 220 of it.
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement()) {
            for (String sql : SCHEMA_V2) {
                st.execute(sql);
            }
            for (String sql : SCHEMA_V3) {
                st.execute(sql);
            }
            st.execute(v3Chain(1, 10, 1, 10, 0, 0, "cert-1", 250));
            st.execute(v3Chain(2, 12, 1, 10, 0, 0, "cert-1", 250));
        }

        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            ChainAccount tooMuch = chain("c3", "cert-1", 250, 3, 4); // 40 more than the 30 left
            ChainAccount fits = chain("c4", "cert-1", 250, 4, 3);
            assertThat(ledger.chargeChain(tooMuch, ledger.chainHead(tooMuch), 1, LedgerKillChild.word(1), 10, "/l"))
                    .isInstanceOfSatisfying(ChargeResult.ChainRefused.class,
                            r -> assertThat(r.reason()).isEqualTo(ChargeResult.ChainRefused.Reason.OVER_LIMIT));
            assertThat(ledger.chargeChain(fits, ledger.chainHead(fits), 1, LedgerKillChild.word(1), 10, "/l"))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT committed FROM certificates WHERE cert_id = 'cert-1'")) {
            assertThat(rs.getLong(1)).isEqualTo(250);
        }
    }

    private static ChainAccount chain(String id, String cert, long limit, int rootSeed, int length) {
        byte[] root = new byte[32];
        java.util.Arrays.fill(root, (byte) rootSeed);
        return new ChainAccount(ISSUER, id, "jws-of-" + id, "buyer-1", "seller-1", length, 10, "EUR",
                Instant.parse("2030-01-01T00:00:00Z"), root, cert, limit, "jti-" + id);
    }

    /** A version-3 chain row: unit 10, head {@code head}, {@code spent} consumed, settled to {@code settledIndex}. */
    private static String v3Chain(int id, int head, long spent, int settledIndex) {
        return v3Chain(id, 100, head, spent, settledIndex, id, "cert", 1000);
    }

    /** A version-3 chain row of unit 10 and {@code length} words, of the certificate {@code cert}. */
    private static String v3Chain(int id, int length, int head, long spent, int settledIndex, int firstSeen,
                                  String cert, long certLimit) {
        return "INSERT INTO chains VALUES (" + id + ", '" + ISSUER + "', 'c" + id + "', 'jws-of-c" + id + "', 'b', "
                + "'seller-1', " + length + ", 10, 'EUR', 1893456000000, x'" + String.format("%064x", id) + "', "
                + head + ", x'" + "00".repeat(32) + "', " + spent + ", " + settledIndex + ", " + firstSeen + ", '"
                + cert + "', " + certLimit + ", 'jti-c" + id + "')";
    }

    @Test
    void aVersionThreeLedgerKeepsWhatItsChainsSettledByIndexAndClaimsWhatTheyConsumedFromNowOn() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement()) {
            for (String sql : SCHEMA_V2) {
                st.execute(sql);
            }
            for (String sql : SCHEMA_V3) {
                st.execute(sql);
            }
            st.execute(v3Chain(1, 8, 30, 5)); // the broker credited 50 by index: more than the 30 consumed
            st.execute(v3Chain(2, 8, 40, 2)); // credited 20 of 40 consumed
            st.execute(v3Chain(3, 6, 60, 0)); // never settled
        }
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            assertThat(ledger.unsettledChains(10)).extracting(ChainTotal::commitmentId, ChainTotal::spentMicros,
                    ChainTotal::settledMicros).containsExactly(
                            org.assertj.core.groups.Tuple.tuple("c2", 40L, 20L),
                            org.assertj.core.groups.Tuple.tuple("c3", 60L, 0L));
            ledger.markChainSettled(ISSUER, "c2", 40, 8);
            assertThat(ledger.unsettledChains(10)).extracting(ChainTotal::commitmentId).containsExactly("c3");
            // With the version-2 scrip 'old': 100 of its 300 settled.
            assertThat(ledger.sales(0).settledMicros()).isEqualTo(100 + 50 + 40);
            assertThat(ledger.sales(0).unsettledMicros()).isEqualTo(200 + 60);
        }
        try (Connection c = LedgerFixtures.connect(file); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(LedgerSchema.SCHEMA_VERSION);
            }
            try (ResultSet rs = st.executeQuery("SELECT settled, settled_index FROM chains ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(50);
                assertThat(rs.getInt(2)).isEqualTo(5);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(40);
                assertThat(rs.getInt(2)).isEqualTo(8);
            }
        }
    }
}
