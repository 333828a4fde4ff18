package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * When the metrics and health auto-configurations apply. What they report on a started gateway is tested on a real
 * Tomcat in examples/spring-boot-site.
 */
final class MonitoringAutoConfigurationTest {

    @TempDir
    Path dir;

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TollgateAutoConfiguration.class,
                    TollgateMetricsAutoConfiguration.class, TollgateHealthAutoConfiguration.class));

    private String[] inline() {
        return TollgateAutoConfigurationTest.inlineSettings(dir, "0.05");
    }

    @Test
    void theIndicatorIsDownOnlyWhenTheGatewayCannotTakePaymentsAndNamesWhatElseNeedsAttention() {
        var up = new dev.tollgate.gateway.Health.Check(dev.tollgate.gateway.Health.Status.UP, "fine");
        var down = new dev.tollgate.gateway.Health.Check(dev.tollgate.gateway.Health.Status.DOWN, "not fine");

        Health degraded = TollgateHealthAutoConfiguration.of(dev.tollgate.gateway.Health.of(java.util.Map.of(
                "keys:a", up, "keys:b", down, "ledger", up, "config", down)));
        assertThat(degraded.getStatus()).isEqualTo(Status.UP);
        assertThat(String.valueOf(degraded.getDetails().get("attention"))).contains("keys:b", "config")
                .doesNotContain("keys:a");

        Health noKeys = TollgateHealthAutoConfiguration.of(dev.tollgate.gateway.Health.of(java.util.Map.of(
                "keys:a", down, "ledger", up)));
        assertThat(noKeys.getStatus()).isEqualTo(Status.DOWN);
        Health noLedger = TollgateHealthAutoConfiguration.of(dev.tollgate.gateway.Health.of(java.util.Map.of(
                "keys:a", up, "ledger", down)));
        assertThat(noLedger.getStatus()).isEqualTo(Status.DOWN);
        assertThat(TollgateHealthAutoConfiguration.of(dev.tollgate.gateway.Health.of(java.util.Map.of(
                "keys:a", up, "ledger", up))).getDetails()).doesNotContainKey("attention");
    }

    @Test
    void aGatewayTheContainerHasNotStartedIsOutOfService() {
        runner.withPropertyValues(inline()).run(context -> {
            Health health = context.getBean("tollgateHealthIndicator", HealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat(health.getDetails()).containsEntry("gateway", "not started");
        });
    }

    @Test
    void withoutAGatewayThereIsNoHealthIndicator() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(HealthIndicator.class);
        });
    }

    @Test
    void withoutTheHealthModuleOrMicrometerTheGatewayStillStarts() {
        runner.withPropertyValues(inline())
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class, MeterRegistry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasBean("tollgateFilter");
                    assertThat(context).doesNotHaveBean(HealthIndicator.class);
                    assertThat(context).doesNotHaveBean(TollgateFilterCustomizer.class);
                });
    }

    @Test
    void theRegistryIsGivenBeforeTheAppsCustomizersSoTheyMayOverrideIt() {
        TollgateFilterCustomizer apps = builder -> { };
        runner.withPropertyValues(inline()).withBean("appsCustomizer", TollgateFilterCustomizer.class, () -> apps)
                .run(context -> {
                    TollgateFilterCustomizer starters = context.getBean("tollgateMeterRegistry",
                            TollgateFilterCustomizer.class);
                    assertThat(context.getBeanProvider(TollgateFilterCustomizer.class).orderedStream())
                            .containsExactly(starters, apps);
                });
    }
}
