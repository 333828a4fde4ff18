package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.payment.ShadowMode;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.protocol.PaymentHeaders;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mode: shadow} through a real Jetty: every priced request is served free, a payment it carries is verified but
 * never charged, and the report counts what each rule would have been paid and what would have been refused.
 */
final class ShadowModeTest {

    static final String SHADOW = "mode: shadow\n" + GatewayHarness.RULES;
    static final long BUDGET = 120_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(SHADOW).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void unpaidRequestsAreServedFreeAndCountedAsRefusals() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one");
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).contains("content of /articles/one");
        assertThat(response.get(ShadowMode.HEADER)).isEqualTo("would-refuse=payment_required");
        assertThat(response.get("Cache-Control")).isEqualTo("private");
        assertThat(response.get(PaymentHeaders.PAYMENT_RESPONSE)).isNull();
        gateway.get("/cached");
        assertThat(gateway.get("/free/page").get(ShadowMode.HEADER)).isNull();

        ShadowReport report = gateway.filter.shadowReport();
        assertThat(report.refusals()).isEqualTo(Map.of("payment_required", 2L));
        assertThat(report.rules()).isEmpty();
        assertThat(report.totalMicros()).isZero();
        assertThat(report.currency()).isEqualTo("USD");
    }

    @Test
    void aPaymentIsVerifiedAndCountedButNeverCharged() throws Exception {
        String token = gateway.broker.scrip().jti("j-shadow").budget(Long.toString(BUDGET)).sign();
        for (int i = 0; i < 3; i++) {
            HttpTester.Response paid = gateway.paidGet("/articles/" + i, token, 50_000);
            assertThat(paid.getStatus()).isEqualTo(200);
            assertThat(paid.get(ShadowMode.HEADER)).isEqualTo("would-charge=50000");
            assertThat(paid.get(PaymentHeaders.PAYMENT_RESPONSE)).isNull();
        }
        gateway.paidGet("/cached", token, 10_000);
        // Three 5-cent articles from a 12-cent budget: live mode would have refused the third; shadow charges nothing.
        assertThat(gateway.remaining("j-shadow", BUDGET)).isEqualTo(BUDGET);

        ShadowReport report = gateway.filter.shadowReport();
        assertThat(report.rules()).containsExactly(new ShadowReport.Rule("/articles/**", 3, 150_000),
                new ShadowReport.Rule("/cached", 1, 10_000));
        assertThat(report.totalMicros()).isEqualTo(160_000);
        assertThat(report.refusals()).isEmpty();
    }

    @Test
    void badPaymentsAreCountedByTheirErrorCode() throws Exception {
        String token = gateway.broker.scrip().jti("j-under").budget(Long.toString(BUDGET)).sign();
        HttpTester.Response under = gateway.paidGet("/articles/one", token, 40_000);
        assertThat(under.getStatus()).isEqualTo(200);
        assertThat(under.get(ShadowMode.HEADER)).isEqualTo("would-refuse=price_changed");
        String forged = gateway.broker.scrip().audience("another-seller").sign();
        assertThat(gateway.paidGet("/articles/one", forged, 50_000).get(ShadowMode.HEADER))
                .isEqualTo("would-refuse=wrong_audience");
        assertThat(gateway.get("/articles/one", PaymentHeaders.PAYMENT_SIGNATURE, "not base64 at all!")
                .get(ShadowMode.HEADER)).isEqualTo("would-refuse=malformed_payment");

        assertThat(gateway.filter.shadowReport().refusals()).isEqualTo(Map.of("price_changed", 1L,
                "wrong_audience", 1L, "malformed_payment", 1L));
        assertThat(gateway.filter.shadowReport().totalRefusals()).isEqualTo(3);
    }

    @Test
    void goingLiveIsAReloadAndTheCountsStay() throws Exception {
        gateway.get("/articles/one");
        gateway.writeConfig("mode: live\n" + GatewayHarness.RULES);
        Poll.until("the live config is applied", () -> gateway.get("/articles/one").getStatus() == 402);
        ShadowReport counted = gateway.filter.shadowReport(); // the polls served before the reload count too
        assertThat(counted.refusals().get("payment_required")).isPositive();
        assertThat(gateway.get("/articles/one").getStatus()).isEqualTo(402);
        String token = gateway.broker.scrip().jti("j-live").budget(Long.toString(BUDGET)).sign();
        HttpTester.Response paid = gateway.paidGet("/articles/one", token, 50_000);
        assertThat(paid.getStatus()).isEqualTo(200);
        assertThat(paid.get(ShadowMode.HEADER)).isNull();
        assertThat(gateway.remaining("j-live", BUDGET)).isEqualTo(BUDGET - 50_000);
        assertThat(gateway.filter.shadowReport()).isEqualTo(counted);
    }

    @Test
    void anUnknownModeIsRefused() throws Exception {
        InvalidConfigException problems = ConfigFiles.problemsOf(dir.resolve(".."), GatewayHarness.config(
                gateway.jwks.jwksUri(), "mode: dark\n" + GatewayHarness.RULES));
        assertThat(problems.problems()).singleElement().asString()
                .contains("mode: 'dark' is not live or shadow");
        assertThat(List.of(gateway.filter.config().shadow())).containsExactly(true);
    }
}
