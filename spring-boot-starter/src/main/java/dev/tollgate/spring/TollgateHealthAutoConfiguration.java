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
 * The gateway's {@link TollgateFilter#health()} as the health indicator {@code tollgate}: DOWN when the gateway cannot
 * take payments ({@link dev.tollgate.gateway.Health#ready()}: the ledger failing, or no broker with usable keys),
 * else UP, each check (broker keys, ledger, settlement backlog, config) a detail with its own status and reason, in
 * the gateway's order. A check that is DOWN while the gateway is still ready (one broker of several stale, a late
 * settlement, a refused config edit) leaves the indicator UP and is named in the detail {@code attention}: a
 * readiness probe must not take every node out of service for what an alert should tell a person. OUT_OF_SERVICE
 * until the container has started the filter. Only when Spring Boot's health module (Actuator) is on
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
        return of(gateway);
    }

    static Health of(dev.tollgate.gateway.Health gateway) {
        Health.Builder health = gateway.ready() ? Health.up() : Health.down();
        if (gateway.ready() && gateway.status() == dev.tollgate.gateway.Health.Status.DOWN) {
            health.withDetail("attention", String.join(", ", gateway.checks().entrySet().stream()
                    .filter(check -> check.getValue().status() == dev.tollgate.gateway.Health.Status.DOWN)
                    .map(Map.Entry::getKey).toList()));
        }
        gateway.checks().forEach((name, check) -> {
            Map<String, String> detail = new LinkedHashMap<>();
            detail.put("status", check.status().name());
            detail.put("detail", check.detail());
            health.withDetail(name, detail);
        });
        return health.build();
    }
}
