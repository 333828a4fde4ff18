package dev.tollgate.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway's meters in the app's registry and its health in Actuator, on a real Tomcat port with the Prometheus
 * endpoint exposed as README.md says. Micrometer's global registry is off, so only the starter's binding can put the
 * gateway's meters into the app's registry.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "management.endpoints.web.exposure.include=health,prometheus",
    "management.metrics.use-global-registry=false",
})
final class MonitoringTest {

    @RegisterExtension
    static final SiteBroker BROKER = new SiteBroker(new TestBroker());

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry registry;

    @Autowired
    @Qualifier("tollgateHealthIndicator")
    HealthIndicator tollgate;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry properties) {
        BROKER.properties(properties);
    }

    /** Waits for the count: a request is counted once the filter is done with it, maybe after the client has it. */
    private void awaitPayments(String outcome, String code, String scheme, double count) throws Exception {
        Poll.until("tollgate.payments " + outcome + " " + code + " " + scheme + " at " + count, () -> {
            Counter counter = registry.find("tollgate.payments")
                    .tags("outcome", outcome, "code", code, "scheme", scheme).counter();
            return counter != null && counter.count() == count;
        });
    }

    @Test
    void anUnpaidAndAPaidQuoteAreCountedWithTheirTagsAndTheRevenueUnderItsRule() throws Exception {
        SiteClient site = new SiteClient(port);
        assertThat(site.get("/api/quotes/ACME").statusCode()).isEqualTo(402);
        String payment = BROKER.payment(1000);
        assertThat(site.get("/api/quotes/ACME", PaymentHeaders.PAYMENT_SIGNATURE, payment).statusCode()).isEqualTo(200);

        awaitPayments("refused", "payment_required", "none", 1); // no payment sent, so no scheme read
        awaitPayments("accepted", "none", "scrip", 1);
        assertThat(registry.find("tollgate.payments").counters()).allSatisfy(counter -> assertThat(counter.count())
                .isEqualTo(counter.getId().getTag("scheme").equals("payword") ? 0 : 1));
        assertThat(registry.get("tollgate.revenue").tags("rule", "/api/quotes/**", "currency", "USD").counter()
                .count()).isEqualTo(1000);

        String scrape = site.get("/actuator/prometheus").body(); // the names README.md gives
        assertThat(scrape.lines())
                .contains("tollgate_payments_total{code=\"none\",outcome=\"accepted\",scheme=\"scrip\"} 1.0")
                .anySatisfy(line -> assertThat(line).startsWith("tollgate_revenue_micros_total{")
                        .contains("rule=\"/api/quotes/**\"").endsWith(" 1000.0"));
    }

    @Test
    void aStartedGatewayWithFreshKeysIsUp() throws Exception {
        assertThat(new SiteClient(port).actuatorHealth()).isEqualTo("200 UP");
        Health health = tollgate.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsOnlyKeys("keys:demo", "ledger", "settlement:demo", "config");
        assertThat(health.getDetails().get("keys:demo")).isInstanceOfSatisfying(Map.class,
                keys -> assertThat(keys.get("status")).isEqualTo("UP"));
    }
}
