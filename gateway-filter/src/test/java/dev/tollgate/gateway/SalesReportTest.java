package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerView;
import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.gateway.testing.TestBroker;
import java.nio.file.Path;
import java.time.Instant;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TollgateFilter#report(int)}: the dashboard's data, from real charges and refunds through the filter. */
final class SalesReportTest {

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private String receiptOf(HttpTester.Response response) {
        assertThat(response.getStatus()).isEqualTo(200);
        String[] paid = response.get("X-Paid").split(" ");
        return paid[3];
    }

    @Test
    void theReportShowsRevenuePerItemRecentChargesAndSettlement() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String token = gateway.broker.scrip().budget("1000000").jti("scrip-1").sign();
        String one = receiptOf(gateway.paidGet("/articles/one", token, 50_000));
        receiptOf(gateway.paidGet("/articles/one", token, 50_000));
        String two = receiptOf(gateway.paidGet("/articles/two", token, 50_000));
        assertThat(gateway.paidGet("/missing/page", token, 50_000).getStatus()).isEqualTo(404); // refunded

        SalesReport report = gateway.filter.report(10);

        assertThat(report.currency()).isEqualTo("USD");
        assertThat(report.revenueByResource()).containsExactly(new Sales.Resource("/articles/one", 100_000, 2),
                new Sales.Resource("/articles/two", 50_000, 1));
        assertThat(report.totalMicros()).isEqualTo(150_000);
        assertThat(report.recentCharges()).extracting(Sales.Charge::resource)
                .containsExactly("/missing/page", "/articles/two", "/articles/one", "/articles/one");
        assertThat(report.recentCharges()).extracting(Sales.Charge::refunded)
                .containsExactly(true, false, false, false);
        assertThat(report.recentCharges().get(1).receiptId()).isEqualTo(two);
        assertThat(report.recentCharges().get(3).receiptId()).isEqualTo(one);
        assertThat(report.recentCharges().get(3).amountMicros()).isEqualTo(50_000);
        assertThat(report.recentCharges().get(3).at()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(report.settledMicros()).isZero();
        assertThat(report.unsettledMicros()).isEqualTo(150_000);

        gateway.filter.recordingLedger().markSettled(TestBroker.ISSUER, "scrip-1", 100_000);
        SalesReport settled = gateway.filter.report(2);
        assertThat(settled.recentCharges()).hasSize(2);
        assertThat(settled.settledMicros()).isEqualTo(100_000);
        assertThat(settled.unsettledMicros()).isEqualTo(50_000);
        assertThatThrownBy(() -> settled.recentCharges().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theAppReadsTheLedgerButCannotChangeIt() throws Exception {
        String token = gateway.broker.scrip().budget("1000000").jti("scrip-1").sign();
        receiptOf(gateway.paidGet("/articles/one", token, 50_000));

        LedgerView view = gateway.filter.ledger();

        assertThat(view).isNotInstanceOf(Ledger.class); // no cast reaches refund, markSettled or charge
        assertThat(view.unsettled(10)).extracting(ScripTotal::jti).containsExactly("scrip-1");
        assertThat(view.sales(10).recent()).hasSize(1);
        assertThat(java.util.Arrays.stream(view.getClass().getMethods()).map(java.lang.reflect.Method::getName))
                .doesNotContain("refund", "markSettled", "markChainSettled", "charge", "chargeStream", "chargeChain",
                        "queueVoid", "voidConfirmed", "closeUnused", "close");
    }

    @Test
    void aLedgerWithoutSalesRecordsFailsClosed() {
        dev.tollgate.gateway.ledger.Ledger none = (dev.tollgate.gateway.ledger.Ledger) java.lang.reflect.Proxy
                .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {dev.tollgate.gateway.ledger.Ledger.class},
                        (proxy, method, args) -> {
                            if (method.isDefault()) {
                                return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                            }
                            throw new UnsupportedOperationException(method.getName());
                        });
        assertThatThrownBy(() -> none.sales(5))
                .isInstanceOf(dev.tollgate.gateway.ledger.LedgerUnavailableException.class)
                .hasMessageContaining("does not report sales");
    }
}
