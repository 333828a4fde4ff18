package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settlement settings, in the style of {@code ConfigLoaderTest}. */
final class SettlementConfigTest {

    private static final String HEADER = String.join("\n",
            "seller:",
            "  id: seller-1",
            "broker:",
            "  id: test",
            "  issuer: https://broker.test/",
            "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
            "  token-endpoint: https://broker.test/v1/scrip",
            "");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private InvalidConfigException problemsOf(String yaml) throws IOException {
        Path file = write(yaml);
        return catchThrowableOfType(() -> GatewayConfig.load(file), InvalidConfigException.class);
    }

    @Test
    void settlementHasDefaultsAndRedeemsAtTheIssuer() throws Exception {
        GatewayConfig config = GatewayConfig.load(write(HEADER + "currency: USD\n"));
        GatewayConfig.Settlement settlement = config.settlement();
        assertThat(config.broker().redemptionUri()).isEqualTo(URI.create("https://broker.test/v1/redemptions"));
        assertThat(settlement.interval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settlement.batchSize()).isEqualTo(500);
        assertThat(settlement.maxBackoff()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settlement.refundWindow()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settlement.maxBacklogAge()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void everySettlementSettingCanBeSet() throws Exception {
        GatewayConfig config = GatewayConfig.load(write(HEADER
                + "  redemption-url: http://localhost:8444/redeem\n"
                + "currency: USD\n"
                + "settlement:\n"
                + "  interval: 5s\n"
                + "  batch-size: 1000\n"
                + "  max-backoff: 1m\n"
                + "  refund-window: 2m\n"
                + "  max-backlog-age: 1d\n"));
        GatewayConfig.Settlement settlement = config.settlement();
        assertThat(config.broker().redemptionUri()).isEqualTo(URI.create("http://localhost:8444/redeem"));
        assertThat(settlement.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settlement.batchSize()).isEqualTo(1000);
        assertThat(settlement.maxBackoff()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settlement.refundWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(settlement.maxBacklogAge()).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void badSettlementValuesAreReportedWithLineColumnAndSetting() throws Exception {
        InvalidConfigException e = problemsOf(HEADER
                + "  redemption-url: http://broker.example/v1/redemptions\n"
                + "currency: USD\n"
                + "settlement:\n"
                + "  interval: 0s\n"
                + "  batch-size: 1001\n"
                + "  max-backoff: forever\n"
                + "  refund-window: 11m\n"
                + "  max-backlog-age: 30s\n");
        assertThat(e.problems()).hasSize(6);
        assertThat(e.problems().get(0)).contains("gateway.yaml:8:19: broker.redemption-url:")
                .contains("must use https");
        assertThat(e.problems().get(1)).contains("gateway.yaml:11:13: settlement.interval:")
                .contains("between 1s and 1h");
        assertThat(e.problems().get(2)).contains("gateway.yaml:12:15: settlement.batch-size:")
                .contains("between 1 and 1000");
        assertThat(e.problems().get(3)).contains("gateway.yaml:13:16: settlement.max-backoff:")
                .contains("not a duration");
        assertThat(e.problems().get(4)).contains("gateway.yaml:14:18: settlement.refund-window:")
                .contains("between 1s and 10m");
        assertThat(e.problems().get(5)).contains("gateway.yaml:15:20: settlement.max-backlog-age:")
                .contains("between 1m and 7d");
    }

    @Test
    void aBatchSizeMustBeAWholeNumberOfAtLeastOne() throws Exception {
        assertThat(problemsOf(HEADER + "currency: USD\nsettlement:\n  batch-size: 0\n").problems())
                .singleElement().asString().contains("gateway.yaml:10:15: settlement.batch-size:")
                .contains("between 1 and 1000");
        assertThat(problemsOf(HEADER + "currency: USD\nsettlement:\n  batch-size: many\n").problems())
                .singleElement().asString().contains("gateway.yaml:10:15").contains("not a whole number");
    }

    @Test
    void anUnknownSettlementSettingIsNamed() throws Exception {
        assertThat(problemsOf(HEADER + "currency: USD\nsettlement:\n  intervall: 5s\n").problems())
                .singleElement().asString().contains("gateway.yaml:10:3").contains("unknown setting 'intervall'")
                .contains("batch-size");
    }
}
