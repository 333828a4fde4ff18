package dev.tollgate.spring;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.gateway.TollgateFilter;
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * Registers the Tollgate filter in a servlet web app, from {@code tollgate.config-file} or the inline {@code tollgate.*}
 * settings, when {@link TollgateCondition} asks for it. The config is validated while the context starts, so an app
 * with a bad price does not start, and says which property is wrong. The container starts and stops the filter
 * ({@code init}, {@code destroy}); the context's close calls {@code destroy} too, which then does nothing more.
 *
 * @since 0.6
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(TollgateCondition.class)
@EnableConfigurationProperties(TollgateProperties.class)
public class TollgateAutoConfiguration {

    @Bean(destroyMethod = "destroy")
    @ConditionalOnMissingBean
    TollgateFilter tollgateFilter(TollgateProperties properties, Environment environment,
                                  ObjectProvider<TollgateFilterCustomizer> customizers) throws InvalidConfigException {
        TollgateFilter.Builder builder = TollgateFilter.builder();
        GatewayConfig config = config(properties, environment);
        if (properties.getConfigFile() != null) {
            builder.configFile(properties.getConfigFile()); // refused above, with its problems, if it is bad
        } else {
            builder.config(config);
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "tollgateFilterRegistration")
    FilterRegistrationBean<TollgateFilter> tollgateFilterRegistration(TollgateFilter filter,
                                                                      TollgateProperties properties,
                                                                      Environment environment)
            throws InvalidConfigException {
        // The rules as they are at startup; a config file's reload is checked by the gateway, not against the mapping.
        List<String> patterns = FilterUrlPatterns.mapped(properties.getFilter().getUrlPatterns(),
                config(properties, environment).rules());
        FilterRegistrationBean<TollgateFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName("tollgate");
        registration.setOrder(properties.getFilter().getOrder());
        registration.setUrlPatterns(patterns);
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        return registration;
    }

    /** The config file's or the inline settings' config, validated; refused if both or neither are written. */
    private static GatewayConfig config(TollgateProperties properties, Environment environment)
            throws InvalidConfigException {
        Path file = properties.getConfigFile();
        Map<String, Object> inline = InlineSettings.of(environment);
        if (file != null && !inline.isEmpty()) {
            throw new IllegalStateException("tollgate.config-file and inline tollgate.* settings " + inline.keySet()
                    + " are both set: keep one");
        }
        if (file != null) {
            return GatewayConfig.load(file);
        }
        if (inline.isEmpty()) {
            throw new IllegalStateException("tollgate.enabled is true but there is no config: set tollgate.config-file"
                    + " or the inline settings tollgate.seller, tollgate.broker, tollgate.currency, tollgate.rules");
        }
        return GatewayConfig.of(inline, InlineSettings.PREFIX);
    }
}
