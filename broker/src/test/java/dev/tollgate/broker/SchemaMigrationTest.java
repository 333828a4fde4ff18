package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWordChain;

/** Older databases migrate to the current schema with their accounts, scrip and credits intact. */
final class SchemaMigrationTest {

    @TempDir
    Path dir;

    @Test
    void aVersion3DatabaseMigratesToTheCurrentVersionAndKeepsItsMoney() throws Exception {
        MutableClock clock = new MutableClock();
        KeyPair sellerKey = TestSellers.newKeyPair();
        String spki = Base64.getEncoder().encodeToString(sellerKey.getPublic().getEncoded());
        long now = clock.instant().getEpochSecond();
        Path db = dir.resolve(Database.FILE);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            for (int v = 0; v < 3; v++) {
                for (String sql : Schema.migrationFrom(v)) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = 3");
            // A buyer with 1000000 deposited, 400000 of it reserved by a scrip of which 150000 was redeemed.
            st.execute("INSERT INTO buyers VALUES ('acct-old', x'00', 600000, 250000, " + now + ")");
            st.execute("INSERT INTO deposits (buyer, amount, source, created_at) VALUES ('acct-old', 1000000,"
                    + " 'demo', " + now + ")");
            st.execute("INSERT INTO sellers (id, name, public_key, origins, credited, created_at, key_thumbprint)"
                    + " VALUES ('daily-byte', 'The Daily Byte', '" + spki + "', '[\"https://news.example\"]',"
                    + " 150000, " + now + ", '" + Seller.thumbprintOfSpki(spki) + "')");
            st.execute("INSERT INTO scrip (jti, buyer, seller, kid, budget, redeemed, status, issued_at, expires_at)"
                    + " VALUES ('old-scrip', 'acct-old', 'daily-byte', 'k', 400000, 150000, 'active', " + now
                    + ", " + (now + 3600) + ")");
            st.execute("INSERT INTO redemptions (scrip, seller, batch, amount, created_at) VALUES ('old-scrip',"
                    + " 'daily-byte', 'b1', 150000, " + now + ")");
        }

        try (Broker broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO)
                .build().start()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            Accounts.Account old = broker.accounts().account("acct-old", 10).orElseThrow();
            assertThat(old.balance()).isEqualTo(600_000);
            assertThat(old.reserved()).isEqualTo(250_000);
            assertThat(old.scrip()).extracting(ScripStore.ScripRow::jti).containsExactly("old-scrip");
            assertThat(old.certificates()).isEmpty();
            assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(150_000, 150_000);
            assertThat(broker.statements().totals().conserved()).isTrue();

            // The migrated database takes old scrip claims and new PayWord claims alike.
            TestSellers.Key seller = new TestSellers.Key("daily-byte", sellerKey, TestSellers.thumbprint(sellerKey));
            Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
            KeyPair buyerKey = TestSellers.newKeyPair();
            String cert = TestPayWord.certificate(broker, buyer, buyerKey, 500_000);
            PayWordChain chain = PayWordChain.fromTop(new byte[32], 10);
            String commitment = TestPayWord.commit(buyerKey, "daily-byte", cert, chain, 1_000, now);
            Answer a = TestPayWord.redeem(broker, seller, now, List.of(TestPayWord.scripClaim("old-scrip", 300_000),
                    TestPayWord.claim(commitment, chain, 10)));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(a.json().at("/results/0/credited").asText()).isEqualTo("150000");
            assertThat(a.json().at("/results/1/credited").asText()).isEqualTo("10000");
            assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(310_000, 310_000);
            assertThat(broker.statements().totals().conserved()).isTrue();
        }
        // Opening a current database again changes nothing.
        try (Broker broker = TestBrokers.builder(dir).clock(clock).sweepInterval(Duration.ZERO).build()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            assertThat(broker.statements().creditsBySeller().get("daily-byte")[0]).isEqualTo(310_000);
        }
    }

    @Test
    void aVersion4DatabaseMigratesAndItsBuyersCanPayButNotLogIn() throws Exception {
        MutableClock clock = new MutableClock();
        long now = clock.instant().getEpochSecond();
        Path db = dir.resolve(Database.FILE);
        String oldKey = Secrets.newApiKey("acct_00000000000000aa");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            for (int v = 0; v < 4; v++) {
                for (String sql : Schema.migrationFrom(v)) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = 4");
            st.execute("INSERT INTO buyers VALUES ('acct_00000000000000aa', x'"
                    + java.util.HexFormat.of().formatHex(Secrets.sha256(oldKey)) + "', 700000, 0, " + now + ")");
            st.execute("INSERT INTO deposits (buyer, amount, source, created_at) VALUES ('acct_00000000000000aa',"
                    + " 700000, 'demo', " + now + ")");
        }

        try (Broker broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO)
                .build().start()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            assertThat(broker.accounts().account("acct_00000000000000aa", 1).orElseThrow().balance())
                    .isEqualTo(700_000);
            assertThat(TestBrokers.get(broker, "/v1/accounts/me", oldKey).status()).isEqualTo(200);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM buyer_logins")) {
                assertThat(rs.getInt(1)).as("no buyer gets a login it never had").isZero();
            }
            DemoBuyer alice = broker.createDemoBuyer("alice", 1_000_000);
            assertThat(broker.accounts().account(alice.account(), 1).orElseThrow().balance()).isEqualTo(1_000_000);
            assertThat(broker.statements().totals().conserved()).isTrue();
        }
    }

    @Test
    void aVersion5DatabaseMigratesToVersion6KeepingItsCommitmentsAndScopingAChainToItsSeller() throws Exception {
        MutableClock clock = new MutableClock();
        long now = clock.instant().getEpochSecond();
        Path db = dir.resolve(Database.FILE);
        KeyPair sellerKey = TestSellers.newKeyPair();
        String spki = Base64.getEncoder().encodeToString(sellerKey.getPublic().getEncoded());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            for (int v = 0; v < 5; v++) {
                for (String sql : Schema.migrationFrom(v)) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = 5");
            st.execute("INSERT INTO buyers VALUES ('acct-old', x'00', 0, 960000, " + now + ")");
            st.execute("INSERT INTO deposits (buyer, amount, source, created_at) VALUES ('acct-old', 1000000,"
                    + " 'demo', " + now + ")");
            for (String id : List.of("daily-byte", "other-news")) {
                st.execute("INSERT INTO sellers (id, name, public_key, origins, credited, created_at, key_thumbprint)"
                        + " VALUES ('" + id + "', 'S', '" + spki + "', '[]', " + (id.equals("daily-byte") ? 40000 : 0)
                        + ", " + now + ", '" + id + "-thumb')");
            }
            st.execute("INSERT INTO payword_certificates (id, buyer, kid, broker_key, buyer_key, limit_micros,"
                    + " redeemed, status, issued_at, expires_at) VALUES ('cert-1', 'acct-old', 'k', zeroblob(32),"
                    + " 'x', 1000000, 40000, 'active', " + now + ", " + (now + 3600) + ")");
            st.execute("INSERT INTO payword_commitments (id, certificate, seller, jti, root, n, unit, idx, credited,"
                    + " created_at) VALUES ('c-1', 'cert-1', 'daily-byte', 'j-1', 'root-1', 100, 1000, 40, 40000, "
                    + now + ")");
            st.execute("INSERT INTO payword_redemptions (commitment, seller, batch, idx, amount, created_at)"
                    + " VALUES ('c-1', 'daily-byte', 'b1', 40, 40000, " + now + ")");
        }

        try (Broker broker = TestBrokers.builder(dir).clock(clock).sweepInterval(Duration.ZERO).build()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(40_000, 40_000);
            assertThat(broker.statements().totals().conserved()).isTrue();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            st.execute("PRAGMA foreign_keys = ON");
            try (ResultSet rs = st.executeQuery("PRAGMA foreign_key_check")) {
                assertThat(rs.next()).as("redemptions still reference their commitments").isFalse();
            }
            try (ResultSet rs = st.executeQuery("SELECT idx, credited FROM payword_commitments WHERE id = 'c-1'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(40);
                assertThat(rs.getLong(2)).isEqualTo(40_000);
            }
            // The same chain (root and jti) committed to another seller is another commitment now...
            st.execute("INSERT INTO payword_commitments (id, certificate, seller, jti, root, n, unit, created_at)"
                    + " VALUES ('c-2', 'cert-1', 'other-news', 'j-1', 'root-1', 100, 1000, " + now + ")");
            // ...but not to the same seller.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> st.execute("INSERT INTO payword_commitments"
                    + " (id, certificate, seller, jti, root, n, unit, created_at) VALUES ('c-3', 'cert-1',"
                    + " 'daily-byte', 'j-3', 'root-1', 100, 1000, " + now + ")"))
                    .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("UNIQUE");
        }
    }

    @Test
    void aDatabaseWithBuyersFromBeforeTheDemoFenceIsADemoDatabase() throws Exception {
        Path db = databaseBefore(DatabaseMode.MIGRATION);
        String oldKey = insertBuyer(db, "demo");

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TestBrokers.builder(dir).build().start()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is a demo database");
        try (Broker broker = TestBrokers.builder(dir).demoMode(true).sweepInterval(Duration.ZERO).build().start()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            assertThat(TestBrokers.get(broker, "/v1/accounts/me", oldKey).micros("balance")).isEqualTo(700_000);
            assertThat(TestBrokers.newBuyer(broker, 1_000).account()).startsWith("acct_");
            assertThat(broker.statements().totals().conserved()).isTrue();
        }
    }

    @Test
    void aDatabaseWithoutBuyersFromBeforeTheDemoFenceTakesTheModeOfItsFirstStart() throws Exception {
        Path db = databaseBefore(DatabaseMode.MIGRATION);

        TestBrokers.builder(dir).sweepInterval(Duration.ZERO).build().start().close();

        assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TestBrokers.builder(dir).demoMode(true)
                .build())).isInstanceOf(IllegalStateException.class).hasMessageContaining("is not a demo database");
    }

    @Test
    void aDatabaseFromBeforeIdempotencyKeysMigratesAndTakesThem() throws Exception {
        // The source is not 'demo': in a database that has the demo fence already, an undecided one refuses that.
        String oldKey = insertBuyer(databaseBefore(ScripIdempotency.MIGRATION), "test");

        try (Broker broker = TestBrokers.startDemo(dir)) {
            Buyer buyer = new Buyer("acct_00000000000000aa", oldKey);
            Answer first = ScripIdempotencyTest.issue(broker, buyer, "\"k-1\"", 1_000);
            Answer again = ScripIdempotencyTest.issue(broker, buyer, "\"k-1\"", 1_000);
            assertThat(first.status()).as(first.body()).isEqualTo(201);
            assertThat(again.text("token")).isEqualTo(first.text("token"));
            assertThat(TestBrokers.get(broker, "/v1/accounts/me", oldKey).micros("balance")).isEqualTo(699_000);
        }
    }

    /** Inserts buyer acct_00000000000000aa with 700000 deposited from {@code source}; returns its API key. */
    private static String insertBuyer(Path db, String source) throws Exception {
        long now = new MutableClock().instant().getEpochSecond();
        String apiKey = Secrets.newApiKey("acct_00000000000000aa");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            st.execute("INSERT INTO buyers VALUES ('acct_00000000000000aa', x'"
                    + java.util.HexFormat.of().formatHex(Secrets.sha256(apiKey)) + "', 700000, 0, " + now + ")");
            st.execute("INSERT INTO deposits (buyer, amount, source, created_at) VALUES ('acct_00000000000000aa',"
                    + " 700000, '" + source + "', " + now + ")");
        }
        return apiKey;
    }

    /** A database in {@link #dir} at the schema version just before {@code migration}. */
    private Path databaseBefore(List<String> migration) throws Exception {
        Path db = dir.resolve(Database.FILE);
        int version = Schema.versionAfter(migration) - 1;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            for (int v = 0; v < version; v++) {
                for (String sql : Schema.migrationFrom(v)) {
                    st.execute(sql);
                }
            }
            st.execute("PRAGMA user_version = " + version);
        }
        return db;
    }

    @Test
    void aDatabaseFromBeforeVoidsMigratesAndItsOnlineChargesCanBeVoided() throws Exception {
        MutableClock clock = new MutableClock();
        long now = clock.instant().getEpochSecond();
        Path db = databaseBefore(VoidStore.MIGRATION);
        KeyPair sellerKey = TestSellers.newKeyPair();
        String spki = Base64.getEncoder().encodeToString(sellerKey.getPublic().getEncoded());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            // 1000000 deposited, a scrip of 400000 of which 150000 was charged online.
            insertRedeemedScrip(st, now, spki, "charge:r-old");
            st.execute("INSERT INTO online_charges (seller, jti, scrip, amount, redeemed, created_at) VALUES"
                    + " ('daily-byte', 'r-old', 'old-scrip', 150000, 150000, " + now + ")");
        }

        try (Broker broker = TestBrokers.builder(dir).clock(clock).sweepInterval(Duration.ZERO).build().start()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(150_000, 150_000);
            TestSellers.Key seller = new TestSellers.Key("daily-byte", sellerKey, TestSellers.thumbprint(sellerKey));

            Answer voided = OnlineVoidsTest.voidCharges(broker, seller, now, "r-old");

            assertThat(voided.json().at("/results/0/status").asText()).as(voided.body()).isEqualTo("voided");
            assertThat(broker.statements().creditsBySeller().get("daily-byte")).containsExactly(0, 0);
            assertThat(broker.accounts().account("acct-old", 1).orElseThrow().reserved()).isEqualTo(400_000);
            assertThat(broker.statements().totals().conserved()).isTrue();
        }
    }

    @Test
    void whatWasRedeemedBeforeLedgersIsTheSingleLedgersAfterTheMigration() throws Exception {
        MutableClock clock = new MutableClock();
        long now = clock.instant().getEpochSecond();
        Path db = databaseBefore(ScripLedgers.MIGRATION);
        KeyPair sellerKey = TestSellers.newKeyPair();
        String spki = Base64.getEncoder().encodeToString(sellerKey.getPublic().getEncoded());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement()) {
            // 1000000 deposited, a scrip of 400000 of which 150000 was redeemed by a claim.
            insertRedeemedScrip(st, now, spki, "b1");
        }

        try (Broker broker = TestBrokers.builder(dir).clock(clock).sweepInterval(Duration.ZERO).build().start()) {
            assertThat(userVersion(db)).isEqualTo(Schema.SCHEMA_VERSION);
            TestSellers.Key seller = new TestSellers.Key("daily-byte", sellerKey, TestSellers.thumbprint(sellerKey));
            Answer single = TestSellers.redeem(broker, seller, now, java.util.Map.of("old-scrip", "150000"));
            assertThat(single.json().at("/results/0/status").asText()).as(single.body()).isEqualTo("unchanged");
            assertThat(single.json().at("/results/0/redeemed").asText()).isEqualTo("150000");
            ObjectNode batch = TestSellers.batch(seller, now, java.util.Map.of());
            ((com.fasterxml.jackson.databind.node.ArrayNode) batch.get("claims")).addObject().put("jti", "old-scrip")
                    .put("spent", "300000").put("ledger", "node-a");
            Answer node = TestSellers.post(broker, TestSellers.sign(sellerKey.getPrivate(),
                    TestSellers.header(seller.kid(), Settlement.REDEMPTION_TYPE), batch));
            assertThat(node.json().at("/results/0/credited").asText()).as("capped by the single ledger's 150000")
                    .isEqualTo("250000");
            assertThat(broker.statements().creditsBySeller().get("daily-byte")[0]).isEqualTo(400_000);
            assertThat(broker.statements().totals().conserved()).isTrue();
        }
    }

    /**
     * Buyer acct-old with 1000000 deposited, seller daily-byte (key {@code spki}) credited 150000 of scrip old-scrip
     * (budget 400000) by {@code batch}.
     */
    private static void insertRedeemedScrip(Statement st, long now, String spki, String batch) throws Exception {
        st.execute("INSERT INTO buyers VALUES ('acct-old', x'00', 600000, 250000, " + now + ")");
        st.execute("INSERT INTO deposits (buyer, amount, source, created_at) VALUES ('acct-old', 1000000,"
                + " 'test', " + now + ")");
        st.execute("INSERT INTO sellers (id, name, public_key, origins, credited, created_at, key_thumbprint)"
                + " VALUES ('daily-byte', 'The Daily Byte', '" + spki + "', '[\"https://news.example\"]', 150000, "
                + now + ", '" + Seller.thumbprintOfSpki(spki) + "')");
        st.execute("INSERT INTO scrip (jti, buyer, seller, kid, budget, redeemed, status, issued_at, expires_at)"
                + " VALUES ('old-scrip', 'acct-old', 'daily-byte', 'k', 400000, 150000, 'active', " + now
                + ", " + (now + 3600) + ")");
        st.execute("INSERT INTO redemptions (scrip, seller, batch, amount, created_at) VALUES ('old-scrip',"
                + " 'daily-byte', '" + batch + "', 150000, " + now + ")");
    }

    private static int userVersion(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }
}
