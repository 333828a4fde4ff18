package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.settlement.RefundLimit;
import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request the container cannot read is the buyer's choice: a query string with a bad percent escape makes Jetty's
 * {@code getParameter} throw, and Jetty answers 400. Its refund counts against {@link RefundLimit#MAX_REFUNDS} like an
 * app's 4xx, so one price's worth of scrip cannot keep charging and being refunded (a charge row each time) for ever.
 * Real Jetty, the real SQLite ledger file. (Found in the third review of issue 9.)
 */
final class RefundLimitContainerRefusalTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    /** An ordinary paid search API: reads its query parameter. */
    static final class SearchServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String q = request.getParameter("q");
            response.setContentType("text/plain");
            response.getWriter().write("results for " + q);
        }
    }

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).serve("/search", () -> new ServletHolder(new SearchServlet()))
                .writeConfig(GatewayHarness.RULES + String.join("\n",
                        "  - match: /search",
                        "    price: 0.01",
                        "")).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private long charges() throws Exception {
        gateway.filter.ledger().unsettled(0); // folds the journal in
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/ledger.db"));
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM charges")) {
            return rs.getLong(1);
        }
    }

    @Test
    void aBuyerWhoseMalformedQueryMakesTheAppFailIsChargedNoMoreAfterTheRefundLimit() throws Exception {
        String token = gateway.broker.scrip().jti("malformed").budget("10000").sign(); // one price's worth
        String header = GatewayHarness.paymentHeader(token, 10_000);
        HttpTester.Response first = gateway.get("/search?q=%zz", PaymentHeaders.PAYMENT_SIGNATURE, header);
        assertThat(first.getStatus()).as("the container refuses the buyer's malformed query").isEqualTo(400);

        HttpTester.Response last = first;
        for (int i = 0; i < 3 * RefundLimit.MAX_REFUNDS && last.getStatus() != 402; i++) {
            last = gateway.get("/search?q=%zz&n=" + i, PaymentHeaders.PAYMENT_SIGNATURE, header);
        }

        assertThat(charges()).as("charge rows one price's worth of scrip can leave")
                .isLessThanOrEqualTo(RefundLimit.MAX_REFUNDS + 1);
        assertThat(last.getStatus()).isEqualTo(402);
        assertThat(JSON.readTree(last.getContentBytes()).path("error").asText()).isEqualTo("too_many_refunds");
    }
}
