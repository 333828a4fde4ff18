package dev.tollgate.spring;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Binds the gateway's meters (README.md, "Monitoring") to the app's Micrometer registry when Micrometer is on the
 * class path. The registry is looked up when the filter is built, not when this customizer is: the embedded
 * container builds the filter while the context refreshes, and asking the provider then creates the app's registry
 * (or the primary composite of several) if it is not yet there. Without a registry bean the gateway falls back to
 * Micrometer's global registry, as outside Spring. It runs before the app's customizers, so one of them may set
 * another registry.
 *
 * @since 0.6
 */
@AutoConfiguration
@ConditionalOnClass(MeterRegistry.class)
public class TollgateMetricsAutoConfiguration {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    TollgateFilterCustomizer tollgateMeterRegistry(ObjectProvider<MeterRegistry> registry) {
        return builder -> registry.ifUnique(builder::meterRegistry);
    }
}
