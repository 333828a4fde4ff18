package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.protocol.PaymentHeaders;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refund gives the budget back, so one price's worth of scrip (or of a PayWord chain) could be charged and refunded
 * for ever, each time leaving the seller a charge row and a path row, at no cost to the buyer: a buyer who asks for
 * made-up paths the app answers 404. After {@link RefundLimit#MAX_REFUNDS} such refunds, or
 * {@link RefundLimit#MAX_ALL_REFUNDS} of any kind, the account pays for nothing more here. Real Jetty, the real SQLite
 * ledger file.
 */
final class RefundLimitTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(PayWordPaymentTest.RULES + String.join("\n",
                "  - match: /boom", // the harness's app throws there
                "    price: 0.01",
                "")).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpTester.Response pay(String path, String header) throws Exception {
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, header);
    }

    private long rows(String table) throws Exception {
        gateway.filter.ledger().unsettled(0); // folds the journal in
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/ledger.db"));
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            return rs.getLong(1);
        }
    }

    private static String error(HttpTester.Response response) throws Exception {
        return JSON.readTree(response.getContentBytes()).path("error").asText();
    }

    @Test
    void scripWhoseChargesKeepBeingRefundedIsChargedNoMoreAfterItsLimit() throws Exception {
        String token = gateway.broker.scrip().jti("refunded").budget("10000").sign(); // one price's worth
        String header = GatewayHarness.paymentHeader(token, 10_000);
        for (int i = 0; i < RefundLimit.MAX_REFUNDS; i++) {
            HttpTester.Response refunded = pay("/missing/" + UUID.randomUUID(), header);
            assertThat(refunded.getStatus()).as("refund " + i).isEqualTo(404);
            assertThat(TollgateFilterTest.receiptOf(refunded).extra()).containsEntry("refunded", true);
        }
        long charges = rows("charges");
        long resources = rows("resources");

        for (int i = 0; i < 20; i++) {
            HttpTester.Response refused = pay("/missing/" + UUID.randomUUID(), header);
            assertThat(refused.getStatus()).isEqualTo(402);
            assertThat(error(refused)).isEqualTo("too_many_refunds");
        }
        assertThat(pay("/videos/1", header).getStatus()).as("nor is anything else charged to it").isEqualTo(402);

        assertThat(rows("charges")).as("no charge rows after the limit").isEqualTo(charges)
                .isLessThanOrEqualTo(RefundLimit.MAX_REFUNDS);
        assertThat(rows("resources")).as("no path rows after the limit").isEqualTo(resources);
        String other = gateway.broker.scrip().jti("other").budget("10000").sign();
        assertThat(pay("/videos/1", GatewayHarness.paymentHeader(other, 10_000)).getStatus())
                .as("other scrip pays as before").isEqualTo(200);
    }

    @Test
    void aChainWhoseChargesKeepBeingRefundedIsChargedNoMoreAfterItsLimit() throws Exception {
        PayWordBuyer buyer = new PayWordBuyer(gateway.broker);
        assertThat(pay("/missing/first", buyer.payWithCommitment(1)).getStatus()).isEqualTo(404);
        for (int i = 1; i < RefundLimit.MAX_REFUNDS; i++) {
            // The refund returned the credit: the same word pays again.
            assertThat(pay("/missing/" + UUID.randomUUID(), buyer.payById(1)).getStatus()).as("refund " + i)
                    .isEqualTo(404);
        }
        long charges = rows("charges");

        HttpTester.Response refused = pay("/missing/" + UUID.randomUUID(), buyer.payById(1));

        assertThat(refused.getStatus()).isEqualTo(402);
        assertThat(error(refused)).isEqualTo("too_many_refunds");
        assertThat(rows("charges")).isEqualTo(charges);
    }

    @Test
    void refundsOfTheSellersOwnFailuresCountOnlyTowardsTheLargerLimit() throws Exception {
        String token = gateway.broker.scrip().jti("honest").budget("1000000").sign();
        String header = GatewayHarness.paymentHeader(token, 10_000);
        for (int i = 0; i <= RefundLimit.MAX_REFUNDS; i++) { // the app is down (500); the client retries
            HttpTester.Response failed = pay("/boom", header);
            assertThat(failed.getStatus()).as("attempt " + i).isEqualTo(500);
            assertThat(TollgateFilterTest.receiptOf(failed).extra()).containsEntry("refunded", true);
        }
        assertThat(pay("/videos/1", header).getStatus()).as("the app works again").isEqualTo(200);

        // A buyer may have found an input the app fails on: the seller's failures are bounded too.
        HttpTester.Response last = null;
        for (int i = RefundLimit.MAX_REFUNDS + 1; i <= RefundLimit.MAX_ALL_REFUNDS; i++) {
            last = pay("/boom", header);
            assertThat(last.getStatus()).as("attempt " + i).isEqualTo(i < RefundLimit.MAX_ALL_REFUNDS ? 500 : 402);
        }
        assertThat(error(last)).isEqualTo("too_many_refunds");
        assertThat(rows("charges")).as("one charge row per refund, one for the video")
                .isEqualTo(RefundLimit.MAX_ALL_REFUNDS + 1);
    }
}
