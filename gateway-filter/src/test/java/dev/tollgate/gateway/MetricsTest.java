package dev.tollgate.gateway;

import org.eclipse.jetty.http.HttpTester;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README.md, "Monitoring": the filter's meters, counted through a real Jetty, a real ledger and a test broker. */
final class MetricsTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir);
        gateway.writeConfig(GatewayHarness.RULES.replace("  - match: /articles/**\n",
                "  - match: /articles/**\n    id: articles\n"));
        gateway.start(TollgateFilter.builder().configFile(dir.resolve("gateway.yaml")).clock(gateway.clock)
                .meterRegistry(registry).watchConfig(false).build());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /**
     * Waits for {@code tollgate.payments} with these tags to reach {@code count}: a request is counted once the filter
     * is done with it, which may be just after its client has the whole answer.
     */
    private void awaitPayments(String outcome, String code, String scheme, double count) throws Exception {
        Poll.until(outcome + " " + code + " " + scheme + " counted " + count, () -> {
            Counter counter = registry.find("tollgate.payments").tags("outcome", outcome, "code", code, "scheme",
                    scheme).counter();
            return counter != null && counter.count() == count;
        });
    }

    @Test
    void acceptedPaymentsAreCountedByScheme_andTheirRevenueByRuleAndCurrency() throws Exception {
        String token = gateway.broker.scrip().budget("1000000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        assertThat(gateway.paidGet("/articles/two", token, 50_000).getStatus()).isEqualTo(200);
        assertThat(gateway.paidGet("/cached", token, 50_000).getStatus()).isEqualTo(200);
        assertThat(gateway.get("/free/page").getStatus()).isEqualTo(200);

        awaitPayments("accepted", "none", "scrip", 3);
        assertThat(registry.get("tollgate.revenue").tags("rule", "articles", "currency", "USD").counter().count())
                .isEqualTo(100_000); // the rule's id
        assertThat(registry.get("tollgate.revenue").tags("rule", "/cached", "currency", "USD").counter().count())
                .isEqualTo(10_000); // its match, for a rule without an id
        assertThat(registry.get("tollgate.revenue").tags("rule", "/boom").counter().count()).isZero();
        assertThat(registry.get("tollgate.ledger.charge").functionTimer().count()).isEqualTo(3);
        assertThat(registry.get("tollgate.ledger.charge").functionTimer().totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(registry.get("tollgate.verification").tag("cached", "false").functionTimer().count()).isEqualTo(1);
        assertThat(registry.get("tollgate.verification").tag("cached", "true").functionTimer().count()).isEqualTo(2);
    }

    @Test
    void compactPayWordWordsAreTimedAsVerificationsAsTheFullHeaderIs() throws Exception {
        HttpTester.Response refused = gateway.get("/articles/one", PaymentHeaders.TOLLGATE_PAYWORD, "not a word");
        HttpTester.Response full = gateway.get("/articles/one", PaymentHeaders.PAYMENT_SIGNATURE, "not a payload");

        assertThat(refused.getStatus()).isEqualTo(402);
        assertThat(full.getStatus()).isEqualTo(402);
        assertThat(registry.get("tollgate.verification").tag("cached", "false").functionTimer().count()).isEqualTo(2);
    }

    @Test
    void aPriceFunctionsRuleCountsWhatItCharged_andAPriceItCannotGiveIsCountedRefused() throws Exception {
        SimpleMeterRegistry own = new SimpleMeterRegistry();
        Path priced = Files.createDirectories(dir.resolve("priced"));
        try (GatewayHarness reports = new GatewayHarness(priced).writeConfig(DynamicPriceTest.RULES)) {
            reports.start(TollgateFilter.builder().configFile(priced.resolve("gateway.yaml")).clock(reports.clock)
                    .meterRegistry(own).watchConfig(false).build());
            String token = reports.broker.scrip().budget("1000000").sign();
            assertThat(reports.get("/reports/q3", "X-Price", "30000", PaymentHeaders.PAYMENT_SIGNATURE,
                    GatewayHarness.paymentHeader(token, 30_000)).getStatus()).isEqualTo(200);
            assertThat(reports.get("/reports/q4", "X-Price", "throw").getStatus()).isEqualTo(503);

            Poll.until("the 503 counted", () -> own.find("tollgate.payments")
                    .tags("outcome", "refused", "code", "price_unavailable", "scheme", "none").counter() != null);
            assertThat(own.get("tollgate.payments").tags("outcome", "refused", "code", "price_unavailable")
                    .counter().count()).isEqualTo(1);
            assertThat(own.get("tollgate.revenue").tags("rule", "/reports/**", "currency", "USD").counter().count())
                    .isEqualTo(30_000); // the price the function gave for the request
        }
    }

    @Test
    void refusedPaymentsAreCountedByErrorCodeAndScheme() throws Exception {
        assertThat(gateway.get("/articles/one").getStatus()).isEqualTo(402);
        String small = gateway.broker.scrip().budget("10000").sign();
        assertThat(gateway.paidGet("/articles/one", small, 50_000).getStatus()).isEqualTo(402);
        String expired = gateway.broker.scrip().budget("1000000").sign();
        gateway.clock.advance(Duration.ofHours(2));
        assertThat(gateway.paidGet("/articles/one", expired, 50_000).getStatus()).isEqualTo(402);

        awaitPayments("refused", "payment_required", "none", 1);
        awaitPayments("refused", "insufficient_budget", "scrip", 1);
        awaitPayments("refused", "expired_token", "none", 1); // refused while it was read
        assertThat(registry.find("tollgate.payments").tag("outcome", "accepted").counters())
                .allMatch(counter -> counter.count() == 0);
        assertThat(registry.get("tollgate.revenue").tag("rule", "articles").counter().count()).isZero();
    }

    @Test
    void noTagHoldsABuyerAScripAPathOrAToken() throws Exception {
        String token = gateway.broker.scrip().budget("1000000").jti("scrip-secret-id").sign();
        gateway.paidGet("/articles/one", token, 50_000);
        gateway.paidGet("/missing/page", token, 50_000);
        gateway.get("/articles/secret-path");

        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTags()).allSatisfy(tag -> assertThat(tag.getValue())
                    .doesNotContain("scrip-secret-id", TestBroker.BUYER, "/articles/one", "secret-path", "/missing/page",
                            token.substring(0, 20)));
        }
    }

    @Test
    void keyAgeAndRefreshFailuresAreGaugedPerBroker() throws Exception {
        assertThat(registry.get("tollgate.keys.age").tag("broker", "test").gauge().value()).isBetween(0.0, 1.0);
        FunctionCounter failures = registry.get("tollgate.keys.refresh.failures").tag("broker", "test")
                .functionCounter();
        assertThat(failures.count()).isZero();

        gateway.jwks.down(true);
        gateway.clock.advance(Duration.ofMinutes(10));
        // A scrip naming a key the gateway does not have makes it fetch the broker's keys at once: that fetch fails.
        assertThat(gateway.paidGet("/articles/one", gateway.broker.scrip().kid("new-key").sign(), 50_000)
                .getStatus()).isEqualTo(402);

        assertThat(registry.get("tollgate.keys.age").tag("broker", "test").gauge().value()).isBetween(600.0, 601.0);
        assertThat(failures.count()).isEqualTo(1);
    }

    @Test
    void theSettlementBacklogIsGaugedPerBroker_amountFromTheLedger_ageFromTheFirstChargeWaiting() throws Exception {
        assertThat(registry.get("tollgate.settlement.backlog.amount").tags("broker", "test", "currency", "USD")
                .gauge().value()).isZero();
        assertThat(registry.get("tollgate.settlement.backlog.age").tag("broker", "test").gauge().value()).isZero();

        String token = gateway.broker.scrip().budget("1000000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        gateway.clock.advance(Duration.ofMinutes(5));
        assertThat(gateway.paidGet("/articles/two", token, 50_000).getStatus()).isEqualTo(200);
        gateway.clock.advance(Duration.ofMinutes(1));

        assertThat(registry.get("tollgate.settlement.backlog.amount").tag("broker", "test").gauge().value())
                .isEqualTo(100_000);
        assertThat(registry.get("tollgate.settlement.backlog.age").tag("broker", "test").gauge().value())
                .isEqualTo(360); // since the first charge still waiting
    }

    @Test
    void theBacklogAmountIsReadFromTheLedgerAtMostOnceEvery30Seconds_soScrapesDoNotHoldUpPaidClicks()
            throws Exception {
        Gauge amount = registry.get("tollgate.settlement.backlog.amount").tag("broker", "test").gauge();
        assertThat(amount.value()).isZero();
        String token = gateway.broker.scrip().budget("1000000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);

        gateway.clock.advance(PartsReadings.BACKLOG_READ_EVERY.minusSeconds(1));
        assertThat(amount.value()).isZero(); // the reading of the first scrape
        gateway.clock.advance(Duration.ofSeconds(1));
        assertThat(amount.value()).isEqualTo(50_000);
    }

    @Test
    void configReloadsAreCountedAcceptedAndRefused() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        gateway.writeConfig(GatewayHarness.RULES);
        gateway.filter.reload(file);
        Files.writeString(file, "seller: [not, a, seller]\n");
        gateway.filter.reload(file);

        assertThat(registry.get("tollgate.config.reloads").tag("result", "accepted").counter().count()).isEqualTo(1);
        assertThat(registry.get("tollgate.config.reloads").tag("result", "refused").counter().count()).isEqualTo(1);
        // The rules of the new config are counted under their own tags: /articles/** has no id any more.
        String token = gateway.broker.scrip().budget("1000000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        assertThat(registry.get("tollgate.revenue").tag("rule", "/articles/**").counter().count()).isEqualTo(50_000);
    }

    @Test
    void aStoppedFilterTakesItsMetersOutOfTheRegistry() throws Exception {
        assertThat(registry.getMeters()).isNotEmpty();

        gateway.stop();

        assertThat(registry.getMeters()).isEmpty();
    }
}
