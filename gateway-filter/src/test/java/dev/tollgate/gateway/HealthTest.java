package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.LedgerFaults;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.metrics.LedgerWrites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TollgateFilter#health()} and its JSON endpoint, through a real Jetty, ledger and test broker. */
final class HealthTest {

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).extraSettings("", "  max-stale: 2h");
        gateway.writeConfig(GatewayHarness.RULES);
        gateway.start(TollgateFilter.builder().configFile(dir.resolve("gateway.yaml")).clock(gateway.clock)
                .healthPath("/tollgate/health").watchConfig(false).build());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void aStartedGatewayIsUpWithEveryCheckInOrder() {
        Health health = gateway.filter.health();

        assertThat(health.status()).isEqualTo(Health.Status.UP);
        assertThat(health.checks().keySet()).containsExactly("keys:test", "ledger", "settlement:test", "config");
        assertThat(health.checks().values()).allMatch(check -> check.status() == Health.Status.UP);
    }

    @Test
    void keysStalePastTheBrokersMaxStaleAreDown() {
        gateway.jwks.down(true);
        gateway.clock.advance(Duration.ofMinutes(119));
        assertThat(gateway.filter.health().checks().get("keys:test").status()).isEqualTo(Health.Status.UP);

        gateway.clock.advance(Duration.ofMinutes(1));

        Health health = gateway.filter.health();
        assertThat(health.status()).isEqualTo(Health.Status.DOWN);
        assertThat(health.checks().get("keys:test"))
                .isEqualTo(new Health.Check(Health.Status.DOWN, "keys fetched PT2H ago, stale past max-stale PT2H"));
    }

    @Test
    void aSettlementBacklogOlderThanMaxBacklogAgeIsDown() throws Exception {
        String token = gateway.broker.scrip().budget("1000000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        gateway.clock.advance(Duration.ofMinutes(60)); // settlement.max-backlog-age's default: 1h
        assertThat(gateway.filter.health().checks().get("settlement:test").status()).isEqualTo(Health.Status.UP);

        gateway.clock.advance(Duration.ofSeconds(1));

        assertThat(gateway.filter.health().checks().get("settlement:test")).isEqualTo(new Health.Check(
                Health.Status.DOWN, "the oldest unsettled charge has waited PT1H1S, more than "
                        + "settlement.max-backlog-age PT1H"));
    }

    @Test
    void aChargeTheLedgerCannotRecordIsDownAndNotReady_untilOneGoesThroughOrAMinutePassesWithoutAnotherFailure()
            throws Exception {
        Path own = Files.createDirectories(dir.resolve("faulty"));
        SqliteLedger ledger = LedgerFaults.open(own.resolve("ledger.db"));
        try (GatewayHarness faulty = new GatewayHarness(own).start(ledger)) {
            String token = faulty.broker.scrip().budget("1000000").sign();
            LedgerFaults.failNextWrite(ledger);
            assertThat(faulty.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(503);

            Health failing = faulty.filter.health();
            assertThat(failing.checks().get("ledger").status()).isEqualTo(Health.Status.DOWN);
            assertThat(failing.checks().get("ledger").detail()).startsWith("charges fail since ")
                    .endsWith("(ledger_unavailable)");
            assertThat(failing.ready()).isFalse();

            faulty.clock.advance(LedgerWrites.FAILURE_EXPIRY.minusSeconds(1));
            assertThat(faulty.filter.health().checks().get("ledger").status()).isEqualTo(Health.Status.DOWN);
            faulty.clock.advance(Duration.ofSeconds(1)); // a drained node gets no charge to show the ledger is back
            assertThat(faulty.filter.health().checks().get("ledger")).isEqualTo(new Health.Check(Health.Status.UP,
                    "no charge failed in the last PT1M"));
            assertThat(faulty.filter.health().ready()).isTrue();

            LedgerFaults.failNextWrite(ledger);
            assertThat(faulty.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(503);
            assertThat(faulty.filter.health().checks().get("ledger").status()).isEqualTo(Health.Status.DOWN);
            assertThat(faulty.paidGet("/articles/two", token, 50_000).getStatus()).isEqualTo(200);
            assertThat(faulty.filter.health().checks().get("ledger").status()).isEqualTo(Health.Status.UP);
        } finally {
            ledger.close();
        }
    }

    @Test
    void aRefusedReloadIsDownUntilAChangeIsApplied() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        String good = Files.readString(file);
        Files.writeString(file, "seller: [not, a, seller]\n");
        gateway.filter.reload(file);
        assertThat(gateway.filter.health().checks().get("config").status()).isEqualTo(Health.Status.DOWN);

        Files.writeString(file, good);
        gateway.filter.reload(file);

        assertThat(gateway.filter.health().status()).isEqualTo(Health.Status.UP);
    }

    @Test
    void aLateSettlementOrARefusedReloadIsDownButReady_soTheEndpointAnswers200() throws Exception {
        String token = gateway.broker.scrip().budget("1000000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        gateway.clock.advance(Duration.ofMinutes(61));
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "seller: [not, a, seller]\n");
        gateway.filter.reload(file);

        Health health = gateway.filter.health();
        assertThat(health.checks().get("settlement:test").status()).isEqualTo(Health.Status.DOWN);
        assertThat(health.checks().get("config").status()).isEqualTo(Health.Status.DOWN);
        assertThat(health.status()).isEqualTo(Health.Status.DOWN); // for an alert
        assertThat(health.ready()).isTrue(); // for a load balancer: payments are still taken
        HttpTester.Response response = gateway.get("/tollgate/health");
        assertThat(response.getStatus()).isEqualTo(200);
        JsonNode body = new ObjectMapper().readTree(gateway.body(response));
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("ready").asBoolean()).isTrue();
    }

    @Test
    void oneBrokerOfSeveralWithUsableKeysIsReady_noneIsNot() {
        Health.Check up = new Health.Check(Health.Status.UP, "keys fetched PT1M ago");
        Health.Check stale = new Health.Check(Health.Status.DOWN, "keys fetched PT3H ago, stale past max-stale PT2H");
        Health.Check ledger = new Health.Check(Health.Status.UP, "no charge failed in the last PT1M");

        assertThat(Health.of(Map.of("keys:a", up, "keys:b", stale, "ledger", ledger)).ready()).isTrue();
        assertThat(Health.of(Map.of("keys:a", stale, "keys:b", stale, "ledger", ledger)).ready()).isFalse();
    }

    @Test
    void theEndpointAnswersUpWith200AndDownWith503_asJsonWithoutSecrets() throws Exception {
        HttpTester.Response up = gateway.get("/tollgate/health");
        assertThat(up.getStatus()).isEqualTo(200);
        assertThat(up.get("Content-Type")).startsWith("application/json");
        assertThat(up.get("Cache-Control")).isEqualTo("no-store");
        JsonNode body = new ObjectMapper().readTree(gateway.body(up));
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("checks").get("keys:test").get("status").asText()).isEqualTo("UP");

        gateway.jwks.down(true);
        gateway.clock.advance(Duration.ofHours(3));
        HttpTester.Response down = gateway.get("/tollgate/health");

        assertThat(down.getStatus()).isEqualTo(503); // its only broker's keys are stale: no payment can be taken
        String json = gateway.body(down);
        assertThat(new ObjectMapper().readTree(json).get("status").asText()).isEqualTo("DOWN");
        assertThat(new ObjectMapper().readTree(json).get("ready").asBoolean()).isFalse();
        assertThat(json).doesNotContain(dir.toString(), gateway.jwks.jwksUri().toString(), "seller-key");
        assertThat(gateway.request("POST", "/tollgate/health").getStatus()).isEqualTo(405);
    }
}
