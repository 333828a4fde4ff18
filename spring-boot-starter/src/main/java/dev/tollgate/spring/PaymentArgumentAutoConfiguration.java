package dev.tollgate.spring;

import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Resolves {@code Payment} controller arguments in every Spring MVC app with the starter, the gateway enabled or not:
 * without this resolver Spring would bind a {@code Payment} argument from request parameters
 * ({@code ?amountMicros=...}), which anyone can write.
 *
 * @since 0.6
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(WebMvcConfigurer.class)
public class PaymentArgumentAutoConfiguration {

    @Bean
    WebMvcConfigurer tollgatePaymentArgument() {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new PaymentArgumentResolver());
            }
        };
    }
}
