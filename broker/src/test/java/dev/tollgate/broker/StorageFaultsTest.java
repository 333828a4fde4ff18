package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;

/**
 * Storage faults during issuance, redemption and online charges: the database locked by another connection, a
 * statement failing in the middle of a transaction (a trigger's RAISE, a CHECK constraint), a COMMIT that fails.
 * Each is a clear 5xx to the caller, creates or loses no money, and the next request works.
 */
final class StorageFaultsTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private Broker broker;
    private TestSellers.Key seller;
    private Buyer buyer;
    private String scrip;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO)
                .busyTimeout(Duration.ofMillis(200)).build().start();
        seller = TestSellers.register(broker, TestBrokers.SELLER);
        buyer = TestBrokers.newBuyer(broker, 1_000_000);
        scrip = TestBrokers.issue(broker, buyer, TestBrokers.SELLER, 400_000).text("jti");
    }

    @AfterEach
    void close() {
        broker.close();
    }

    /** Another connection to the broker's database, as an administrator's tool would open it. */
    private Connection other() throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Database.FILE));
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 10000");
        }
        return c;
    }

    private void sql(String... statements) throws Exception {
        try (Connection c = other(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private Answer issue() {
        return TestBrokers.issue(broker, buyer, TestBrokers.SELLER, 100_000);
    }

    private Answer redeem(long spent) {
        return TestSellers.redeem(broker, seller, clock.instant().getEpochSecond(),
                Map.of(scrip, Long.toString(spent)));
    }

    private Answer charge(String jti, long amount) {
        return OnlineChargesTest.post(broker, OnlineChargesTest.sign(seller, OnlineChargesTest.claims(seller,
                clock.instant().getEpochSecond(), jti, scrip, Long.toString(amount))));
    }

    private Statements.Totals totals() throws Exception {
        return broker.statements().totals();
    }

    private static void assertServerError(Answer a, int status, String code) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.text("error")).isEqualTo(code);
        assertThat(a.text("message")).contains("nothing was changed");
    }

    @Test
    void aDatabaseLockedByAnotherConnectionIs503ChangesNothingAndTheNextRequestsWork() throws Exception {
        Statements.Totals before = totals();
        try (Connection lock = other(); Statement st = lock.createStatement()) {
            st.execute("BEGIN IMMEDIATE");

            Answer issued = issue();
            Answer redeemed = redeem(150_000);
            Answer charged = charge("r-1", 50_000);

            for (Answer a : new Answer[] {issued, redeemed, charged}) {
                assertServerError(a, 503, "storage_unavailable");
                assertThat(a.response().headers().firstValue("Retry-After")).contains("1");
            }
            st.execute("ROLLBACK");
        }

        assertThat(totals()).isEqualTo(before);
        assertThat(issue().status()).isEqualTo(201);
        assertThat(redeem(150_000).json().at("/results/0/credited").asText()).isEqualTo("150000");
        assertThat(charge("r-1", 50_000).text("status")).isEqualTo("charged");
        assertThat(broker.statements().creditsBySeller().get(TestBrokers.SELLER)).containsExactly(200_000, 200_000);
        assertThat(totals().conserved()).isTrue();
        assertThat(totals().reserved()).isEqualTo(400_000 + 100_000 - 200_000);
    }

    @Test
    void issuanceFailingAfterTheReservationRollsItBack() throws Exception {
        Statements.Totals before = totals();
        sql("CREATE TRIGGER fault BEFORE INSERT ON scrip BEGIN SELECT RAISE(ABORT, 'injected fault'); END");

        assertServerError(issue(), 500, "internal_error");

        assertThat(totals()).isEqualTo(before);
        sql("DROP TRIGGER fault");
        assertThat(issue().status()).isEqualTo(201);
        assertThat(TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).micros("balance"))
                .isEqualTo(1_000_000 - 400_000 - 100_000);
        assertThat(totals().conserved()).isTrue();
    }

    @Test
    void aRedemptionBreakingACheckConstraintAfterTheCreditRollsItBack() throws Exception {
        Statements.Totals before = totals();
        // After the seller is credited, a CHECK constraint fails later in the same transaction.
        sql("CREATE TRIGGER fault AFTER UPDATE OF redeemed ON scrip BEGIN"
                + " UPDATE buyers SET balance = -1 WHERE id = NEW.buyer; END");

        assertServerError(redeem(150_000), 500, "internal_error");

        assertThat(totals()).isEqualTo(before);
        assertThat(broker.statements().creditsBySeller().get(TestBrokers.SELLER)).containsExactly(0, 0);
        sql("DROP TRIGGER fault");
        Answer retried = redeem(150_000);
        assertThat(retried.json().at("/results/0/credited").asText()).isEqualTo("150000");
        assertThat(broker.statements().creditsBySeller().get(TestBrokers.SELLER)).containsExactly(150_000, 150_000);
        assertThat(totals().conserved()).isTrue();
    }

    @Test
    void anOnlineChargeFailingAfterTheCreditRollsItBackAndItsRetryChargesOnce() throws Exception {
        Statements.Totals before = totals();
        sql("CREATE TRIGGER fault BEFORE INSERT ON online_charges BEGIN SELECT RAISE(ABORT, 'injected fault'); END");

        assertServerError(charge("r-7", 50_000), 500, "internal_error");

        assertThat(totals()).isEqualTo(before);
        sql("DROP TRIGGER fault");
        assertThat(charge("r-7", 50_000).text("redeemed")).isEqualTo("50000");
        assertThat(charge("r-7", 50_000).text("redeemed")).as("a retry charges nothing more").isEqualTo("50000");
        assertThat(broker.statements().creditsBySeller().get(TestBrokers.SELLER)).containsExactly(50_000, 50_000);
        assertThat(totals().conserved()).isTrue();
    }

    @Test
    void aCommitThatFailsRollsBackAndLeavesTheBrokerUsable() throws Exception {
        Statements.Totals before = totals();
        // A deferred foreign key is checked at COMMIT: the COMMIT of the redemption fails.
        sql("CREATE TABLE fault_log (buyer TEXT REFERENCES buyers (id) DEFERRABLE INITIALLY DEFERRED)",
                "CREATE TRIGGER fault AFTER INSERT ON redemptions BEGIN INSERT INTO fault_log VALUES ('nobody'); END");

        assertServerError(redeem(150_000), 500, "internal_error");

        assertThat(totals()).isEqualTo(before);
        sql("DROP TRIGGER fault", "DROP TABLE fault_log");
        assertThat(redeem(150_000).json().at("/results/0/credited").asText()).isEqualTo("150000");
        assertThat(issue().status()).isEqualTo(201);
        assertThat(charge("r-9", 10_000).text("status")).isEqualTo("charged");
        assertThat(broker.statements().creditsBySeller().get(TestBrokers.SELLER)).containsExactly(160_000, 160_000);
        assertThat(totals().conserved()).isTrue();
    }
}
