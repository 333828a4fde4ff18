package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access windows ({@code access: 24h} on a per-click rule) through a real Jetty and SQLite ledger: a buyer who paid
 * for an article re-reads it free for the window, with fresh scrip too, across a restart; not after it, and not
 * another article.
 */
final class AccessWindowTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    access: 24h",
            "  - match: /missing/**",
            "    price: 0.05",
            "    access: 1h",
            "");
    static final long PRICE = 50_000;
    static final long BUDGET = 1_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(RULES).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private String scrip(String jti, String buyer) {
        return scrip(gateway, jti, buyer, BUDGET);
    }

    /** Scrip of {@code buyer} at the test broker, for three days. */
    static String scrip(GatewayHarness gateway, String jti, String buyer, long budget) {
        return gateway.broker.scrip().jti(jti).subject(buyer).budget(Long.toString(budget))
                .expiresAt(gateway.clock.instant().plus(Duration.ofDays(3))).sign();
    }

    private HttpTester.Response read(String path, String token) throws Exception {
        return gateway.paidGet(path, token, PRICE);
    }

    @Test
    void anArticleBoughtIsReReadFreeWithinTheWindowAndPaidAgainAfterIt() throws Exception {
        String token = scrip("a-1", TestBroker.BUYER);

        HttpTester.Response bought = read("/articles/one", token);
        gateway.clock.advance(Duration.ofHours(23));
        HttpTester.Response reRead = read("/articles/one", token);
        gateway.clock.advance(Duration.ofHours(1));
        HttpTester.Response after = read("/articles/one", token);

        assertThat(bought.getStatus()).isEqualTo(200);
        assertThat(gateway.body(reRead)).isEqualTo("content of /articles/one");
        SettlementResponse first = TollgateFilterTest.receiptOf(bought);
        assertThat(first.amount()).isEqualTo("50000");
        assertThat(first.extra()).containsEntry("access", true).containsEntry("entitled", false);
        long until = ((Number) first.extra().get("until")).longValue();
        assertThat(until).isEqualTo(gateway.clock.instant().getEpochSecond()); // bought 24 hours ago
        SettlementResponse free = TollgateFilterTest.receiptOf(reRead);
        assertThat(free.amount()).isEqualTo("0");
        assertThat(free.transaction()).isEqualTo(first.transaction());
        assertThat(free.extra()).containsEntry("access", true).containsEntry("entitled", true);
        assertThat(((Number) free.extra().get("until")).longValue()).isEqualTo(until);
        assertThat(reRead.get("X-Paid")).startsWith("0 ");
        SettlementResponse again = TollgateFilterTest.receiptOf(after);
        assertThat(again.amount()).isEqualTo("50000");
        assertThat(again.transaction()).isNotEqualTo(first.transaction());
        assertThat(gateway.remaining("a-1", BUDGET)).isEqualTo(BUDGET - 2 * PRICE);
    }

    @Test
    void anAppThatGoesAsyncOnAReReadWritesThroughTheGatewaysResponseAndStaysPrivate() throws Exception {
        gateway.stop();
        gateway.serve("/articles/async/*", () -> new org.eclipse.jetty.ee10.servlet.ServletHolder(
                new FreeAllowanceTest.AsyncApp())).start();
        String token = scrip("async-1", TestBroker.BUYER);

        HttpTester.Response bought = read("/articles/async/one", token);
        HttpTester.Response reRead = read("/articles/async/one", token);

        assertThat(TollgateFilterTest.receiptOf(bought).amount()).isEqualTo("50000");
        assertThat(TollgateFilterTest.receiptOf(reRead).amount()).isEqualTo("0");
        assertThat(gateway.body(reRead)).isEqualTo("written after startAsync()");
        for (HttpTester.Response response : new HttpTester.Response[] {bought, reRead}) {
            assertThat(response.get("Cache-Control")).isEqualTo("private, max-age=3600");
        }
    }

    @Test
    void freshScripOfTheSameBuyerReReadsFreeButAnotherBuyerPays() throws Exception {
        read("/articles/one", scrip("b-1", TestBroker.BUYER));

        HttpTester.Response fresh = read("/articles/one", scrip("b-2", TestBroker.BUYER));
        HttpTester.Response other = read("/articles/one", scrip("b-3", "another-buyer"));

        assertThat(TollgateFilterTest.receiptOf(fresh).amount()).isEqualTo("0");
        assertThat(gateway.remaining("b-2", BUDGET)).isEqualTo(BUDGET);
        assertThat(TollgateFilterTest.receiptOf(other).amount()).isEqualTo("50000");
    }

    @Test
    void eachArticleIsAnItemOfItsOwn() throws Exception {
        String token = scrip("c-1", TestBroker.BUYER);

        read("/articles/one", token);
        HttpTester.Response two = read("/articles/two", token);
        HttpTester.Response oneAgain = read("/articles/one", token);

        assertThat(TollgateFilterTest.receiptOf(two).amount()).isEqualTo("50000");
        assertThat(TollgateFilterTest.receiptOf(oneAgain).amount()).isEqualTo("0");
        assertThat(gateway.remaining("c-1", BUDGET)).isEqualTo(BUDGET - 2 * PRICE);
    }

    @Test
    void theWindowSurvivesARestart() throws Exception {
        String token = scrip("d-1", TestBroker.BUYER);
        read("/articles/one", token);

        gateway.stop();
        gateway.start();
        HttpTester.Response reRead = read("/articles/one", token);

        assertThat(reRead.getStatus()).isEqualTo(200);
        assertThat(TollgateFilterTest.receiptOf(reRead).amount()).isEqualTo("0");
        assertThat(gateway.remaining("d-1", BUDGET)).isEqualTo(BUDGET - PRICE);
    }

    @Test
    void aChargeWhoseContentFailedIsRefundedAndOpensNothing() throws Exception {
        String token = scrip("e-1", TestBroker.BUYER);

        HttpTester.Response failed = read("/missing/one", token);
        HttpTester.Response again = read("/missing/one", token);

        assertThat(failed.getStatus()).isEqualTo(404);
        assertThat(again.getStatus()).isEqualTo(404);
        assertThat(TollgateFilterTest.receiptOf(again).extra()).containsEntry("refunded", true);
        assertThat(gateway.remaining("e-1", BUDGET)).isEqualTo(BUDGET);
    }

    /**
     * The bound of per-(buyer, item) state: an access window is the charge row that bought it, so only a paid charge
     * adds one; a request the budget does not pay, under a window rule that sells a pass too, looks both up and writes
     * nothing, whatever path it names (docs/LEDGER.md "Bounds").
     */
    @Test
    void refusedRequestsForWindowsAndPassesAtRandomPathsWriteNothing() throws Exception {
        gateway.stop();
        gateway.writeConfig(PassTest.CONFIG).start();
        String token = scrip(gateway, "f-1", TestBroker.BUYER, PRICE);
        assertThat(read("/articles/one", token).getStatus()).isEqualTo(200);
        gateway.filter.ledger().unsettled(0); // folds the charge in: nothing is left to write
        try (Connection watcher = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/ledger.db"))) {
            long version = scalar(watcher, "PRAGMA data_version");
            long resources = scalar(watcher, "SELECT count(*) FROM resources");

            for (int i = 0; i < 100; i++) {
                HttpTester.Response refused = read("/articles/" + UUID.randomUUID(), token);

                assertThat(refused.getStatus()).isEqualTo(402);
                assertThat(TollgateFilterTest.offerOf(refused).error()).isEqualTo("insufficient_budget");
            }

            assertThat(scalar(watcher, "PRAGMA data_version")).as("the ledger committed").isEqualTo(version);
            assertThat(scalar(watcher, "SELECT count(*) FROM resources")).isEqualTo(resources).isEqualTo(1);
        }
    }

    private static long scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    @Test
    void theOfferSaysWhatThePriceBuys() throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get("/articles/one"));

        assertThat(offer.accepts()).hasSize(1);
        assertThat(offer.accepts().get(0).extra()).containsEntry("charge", "per-click")
                .containsEntry("access", 86_400);
    }
}
