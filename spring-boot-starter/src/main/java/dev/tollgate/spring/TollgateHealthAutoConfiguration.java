package dev.tollgate.spring;

import dev.tollgate.gateway.TollgateFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The gateway's {@link TollgateFilter#health()} as the health indicator {@code tollgate}: UP or DOWN, each check
 * (broker keys, ledger, settlement backlog, config) a detail with its own status and reason, in the gateway's order.
 * OUT_OF_SERVICE until the container has started the filter. Only when Spring Boot's health module (Actuator) is on
 * the class path and the starter registered a filter.
 *
 * @since 0.6
 */
@AutoConfiguration(after = TollgateAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(TollgateFilter.class)
public class TollgateHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "tollgateHealthIndicator")
    HealthIndicator tollgateHealthIndicator(TollgateFilter filter) {
        return () -> of(filter);
    }

    static Health of(TollgateFilter filter) {
        dev.tollgate.gateway.Health gateway;
        try {
            gateway = filter.health();
        } catch (IllegalStateException notStarted) {
            return Health.outOfService().withDetail("gateway", "not started").build();
        }
        Health.Builder health = gateway.status() == dev.tollgate.gateway.Health.Status.UP ? Health.up()
                : Health.down();
        gateway.checks().forEach((name, check) -> {
            Map<String, String> detail = new LinkedHashMap<>();
            detail.put("status", check.status().name());
            detail.put("detail", check.detail());
            health.withDetail(name, detail);
        });
        return health.build();
    }
}
