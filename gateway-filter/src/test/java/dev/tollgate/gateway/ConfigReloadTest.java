package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public final class ConfigReloadTest {

    @TempDir
    java.nio.file.Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private String offeredAmount() throws Exception {
        return TollgateFilterTest.offerOf(gateway.get("/articles/one")).accepts().get(0).amount();
    }

    /** Polls until the condition holds or the deadline passes: reloads happen on the watcher's thread. */
    public static void awaitTrue(Callable<Boolean> condition) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (!condition.call()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aValidEditIsAppliedWithoutARestart() throws Exception {
        assertThat(offeredAmount()).isEqualTo("50000");

        gateway.writeConfig(GatewayHarness.RULES.replace("price: 0.05\n    description: One article",
                "price: 0.07\n    description: One article"));

        awaitTrue(() -> offeredAmount().equals("70000"));
        assertThat(gateway.filter.lastReloadProblem()).isEmpty();
        assertThat(gateway.filter.config().rules().get(1).price().micros()).isEqualTo(70_000);
    }

    @Test
    void anInvalidEditIsRefusedAndTheOldPricesStay() throws Exception {
        gateway.writeConfig(GatewayHarness.RULES.replace("price: 0.05\n    description: One article",
                "price: -1\n    description: One article"));

        awaitTrue(() -> gateway.filter.lastReloadProblem().isPresent());
        assertThat(gateway.filter.lastReloadProblem().get()).contains("rules[1].price").contains("negative")
                .contains("gateway.yaml:");
        assertThat(offeredAmount()).isEqualTo("50000");

        gateway.writeConfig(GatewayHarness.RULES.replace("price: 0.05\n    description: One article",
                "price: 0.06\n    description: One article"));
        awaitTrue(() -> offeredAmount().equals("60000"));
        assertThat(gateway.filter.lastReloadProblem()).isEmpty();
    }

    @Test
    void aNewRuleStartsChargingAndARemovedOneStops() throws Exception {
        assertThat(gateway.get("/reports/q3").getStatus()).isEqualTo(200);

        gateway.writeConfig(GatewayHarness.RULES.replace("  - match: /articles/**", "  - match: /reports/**\n"
                + "    price: 1\n  - match: /articles/**"));

        awaitTrue(() -> gateway.get("/reports/q3").getStatus() == 402);
        assertThat(TollgateFilterTest.offerOf(gateway.get("/reports/q3")).accepts().get(0).amount())
                .isEqualTo("1000000");
    }

    @Test
    void aRestartOnlySettingIsRefusedWhileRunning() throws Exception {
        java.nio.file.Files.writeString(gateway.configFile, java.nio.file.Files.readString(gateway.configFile)
                .replace("id: seller-1", "id: seller-9"));

        awaitTrue(() -> gateway.filter.lastReloadProblem().isPresent());
        assertThat(gateway.filter.lastReloadProblem().get()).contains("seller.id").contains("restart");
        assertThat(gateway.filter.config().sellerId()).isEqualTo("seller-1");
    }

    @Test
    void theLedgersDiskBoundsAreRestartOnly() throws Exception {
        java.nio.file.Files.writeString(gateway.configFile, java.nio.file.Files.readString(gateway.configFile)
                .replace("  durability: process-crash-safe", "  durability: process-crash-safe\n  max-backlog: 1GiB"));

        awaitTrue(() -> gateway.filter.lastReloadProblem().isPresent());
        assertThat(gateway.filter.lastReloadProblem().get()).contains("max-backlog").contains("restart");
        assertThat(gateway.filter.config().ledgerLimits().maxBacklogBytes()).isEqualTo(64L << 20);
    }
}
