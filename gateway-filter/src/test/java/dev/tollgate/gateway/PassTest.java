package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passes through a real Jetty and SQLite ledger: the 402 offers the item and the pass; the pass is charged once and
 * opens every rule that sells it, for its duration, to its buyer; it is refused where it is not sold, or for less
 * than its price.
 */
final class PassTest {

    static final String CONFIG = dayPass("\"/articles/**\", \"/news/**\"") + String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    access: 24h",
            "    passes: [day-pass]",
            "  - match: /news/**",
            "    price: 0.02",
            "    passes: [day-pass]",
            "  - match: /cached",
            "    price: 0.01",
            "");
    static final long PRICE = 50_000;

    /** A {@code passes:} section selling the day pass (0.50 for 24 hours) over {@code covers}, a YAML list's items. */
    static String dayPass(String covers) {
        return String.join("\n", "passes:", "  - id: day-pass", "    title: Day pass", "    price: 0.50",
                "    duration: 24h", "    covers: [" + covers + "]", "");
    }
    static final long PASS = 500_000;
    static final long BUDGET = 2_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(CONFIG).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private String scrip(String jti, String buyer) {
        return AccessWindowTest.scrip(gateway, jti, buyer, BUDGET);
    }

    /** The 402's pass offer for {@code path}, as a buyer echoes it back. */
    private PaymentRequirements passOffer(String path) throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get(path));
        return offer.accepts().stream().filter(entry -> entry.extra().containsKey("pass")).findFirst().orElseThrow();
    }

    private HttpTester.Response pay(String path, String token, PaymentRequirements accepted) throws Exception {
        String header = X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://shop.test" + path, "",
                ""), accepted, Map.of("token", token), null));
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, header);
    }

    @Test
    void theOfferListsTheItemAndThePass() throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get("/articles/one"));

        assertThat(offer.accepts()).hasSize(2);
        assertThat(offer.accepts().get(0).amount()).isEqualTo("50000");
        assertThat(offer.accepts().get(0).extra()).doesNotContainKey("pass").containsEntry("access", 86_400);
        PaymentRequirements pass = offer.accepts().get(1);
        assertThat(pass.amount()).isEqualTo("500000");
        assertThat(pass.scheme()).isEqualTo("scrip");
        String price = Money.parse("0.50", Currency.getInstance("USD")).toString();
        assertThat(pass.extra()).doesNotContainKey("access").containsEntry("price", price);
        assertThat(pass.extra().get("pass")).isEqualTo(Map.of("id", "day-pass", "title", "Day pass",
                "price", price, "duration", 86_400));
        assertThat(TollgateFilterTest.offerOf(gateway.get("/cached")).accepts()).hasSize(1);
    }

    @Test
    void aPassIsChargedOnceAndOpensEveryRuleSellingItForItsDuration() throws Exception {
        String token = scrip("p-1", TestBroker.BUYER);

        HttpTester.Response bought = pay("/articles/one", token, passOffer("/articles/one"));
        HttpTester.Response again = pay("/articles/one", token, passOffer("/articles/one"));
        HttpTester.Response article = gateway.paidGet("/articles/two", token, PRICE);
        HttpTester.Response news = gateway.paidGet("/news/today", token, 20_000);
        HttpTester.Response fresh = gateway.paidGet("/news/today", scrip("p-2", TestBroker.BUYER), 20_000);
        HttpTester.Response uncovered = gateway.paidGet("/cached", token, 10_000);

        assertThat(bought.getStatus()).isEqualTo(200);
        SettlementResponse receipt = TollgateFilterTest.receiptOf(bought);
        assertThat(receipt.amount()).isEqualTo("500000");
        assertThat(receipt.extra()).containsEntry("pass", "day-pass").containsEntry("entitled", false);
        long until = ((Number) receipt.extra().get("until")).longValue();
        assertThat(until).isEqualTo(gateway.clock.instant().plus(Duration.ofHours(24)).getEpochSecond());
        for (HttpTester.Response passed : new HttpTester.Response[] {again, article, news, fresh}) {
            assertThat(passed.getStatus()).isEqualTo(200);
            SettlementResponse free = TollgateFilterTest.receiptOf(passed);
            assertThat(free.amount()).isEqualTo("0");
            assertThat(free.transaction()).isEqualTo(receipt.transaction());
            assertThat(free.extra()).containsEntry("pass", "day-pass").containsEntry("entitled", true);
            assertThat(((Number) free.extra().get("until")).longValue()).isEqualTo(until);
        }
        assertThat(TollgateFilterTest.receiptOf(uncovered).amount()).isEqualTo("10000");
        assertThat(gateway.remaining("p-1", BUDGET)).isEqualTo(BUDGET - PASS - 10_000);
        assertThat(gateway.remaining("p-2", BUDGET)).isEqualTo(BUDGET);
        Poll.until("the sales report holds the pass once and the uncovered click", () -> {
            SalesReport report = gateway.filter.report(10);
            return report.totalMicros() == PASS + 10_000 && report.byBroker().get(0).charges() == 2;
        });
        assertThat(gateway.filter.report(10).revenueByResource())
                .anySatisfy(row -> assertThat(row.resource()).isEqualTo("pass day-pass"));

        gateway.clock.advance(Duration.ofHours(24));
        HttpTester.Response expired = gateway.paidGet("/news/today", token, 20_000);
        assertThat(TollgateFilterTest.receiptOf(expired).amount()).isEqualTo("20000");
    }

    @Test
    void anotherBuyerDoesNotHoldThePass() throws Exception {
        pay("/articles/one", scrip("q-1", TestBroker.BUYER), passOffer("/articles/one"));

        HttpTester.Response other = gateway.paidGet("/articles/one", scrip("q-2", "another-buyer"), PRICE);

        assertThat(TollgateFilterTest.receiptOf(other).amount()).isEqualTo("50000");
    }

    @Test
    void aPassIsNotSoldWhereTheRuleDoesNotSellItNorForLessThanItsPrice() throws Exception {
        String token = scrip("r-1", TestBroker.BUYER);
        PaymentRequirements offered = passOffer("/articles/one");
        Map<String, Object> forgedExtra = new HashMap<>(offered.extra());
        forgedExtra.put("pass", Map.of("id", "year-pass"));
        PaymentRequirements forged = new PaymentRequirements("scrip", offered.network(), offered.amount(),
                offered.asset(), offered.payTo(), offered.maxTimeoutSeconds(), forgedExtra);
        PaymentRequirements cheap = new PaymentRequirements("scrip", offered.network(), "50000", offered.asset(),
                offered.payTo(), offered.maxTimeoutSeconds(), offered.extra());

        HttpTester.Response uncovered = pay("/cached", token, offered);
        HttpTester.Response unknown = pay("/articles/one", token, forged);
        HttpTester.Response underpaid = pay("/articles/one", token, cheap);

        assertThat(uncovered.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(uncovered).error()).isEqualTo("unknown_pass");
        assertThat(TollgateFilterTest.offerOf(unknown).error()).isEqualTo("unknown_pass");
        assertThat(underpaid.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(underpaid).error()).isEqualTo("price_changed");
        assertThat(gateway.remaining("r-1", BUDGET)).isEqualTo(BUDGET);
    }

    @Test
    void aRequestOfAnItemWithinItsWindowNeedsNoPass() throws Exception {
        String token = scrip("s-1", TestBroker.BUYER);
        gateway.paidGet("/articles/one", token, PRICE);

        HttpTester.Response reRead = gateway.paidGet("/articles/one", token, PRICE);

        SettlementResponse receipt = TollgateFilterTest.receiptOf(reRead);
        assertThat(receipt.amount()).isEqualTo("0");
        assertThat(receipt.extra()).containsEntry("access", true).doesNotContainKey("pass");
        assertThat(gateway.remaining("s-1", BUDGET)).isEqualTo(BUDGET - PRICE);
    }
}
