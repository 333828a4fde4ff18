package dev.tollgate.spring;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Resolves {@code Payment} controller arguments in every Spring MVC app with the starter, the gateway enabled or not,
 * with {@link PaymentArgumentResolver} first among the argument resolvers. A resolver added the usual way
 * ({@code WebMvcConfigurer.addArgumentResolvers}) runs after Spring's own, so a {@code @ModelAttribute Payment} or
 * {@code @RequestBody Payment} parameter would be bound from request parameters or the body, which anyone can write.
 *
 * @since 0.6
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RequestMappingHandlerAdapter.class)
public class PaymentArgumentAutoConfiguration {

    @Bean
    static BeanPostProcessor tollgatePaymentArgumentFirst() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof RequestMappingHandlerAdapter adapter) {
                    adapter.setArgumentResolvers(paymentFirst(adapter.getArgumentResolvers()));
                }
                return bean;
            }
        };
    }

    /** {@code resolvers} (Spring's, then the app's) after a {@link PaymentArgumentResolver}. */
    private static List<HandlerMethodArgumentResolver> paymentFirst(List<HandlerMethodArgumentResolver> resolvers) {
        List<HandlerMethodArgumentResolver> ordered = new ArrayList<>();
        ordered.add(new PaymentArgumentResolver());
        if (resolvers != null) {
            resolvers.stream().filter(resolver -> !(resolver instanceof PaymentArgumentResolver)).forEach(ordered::add);
        }
        return ordered;
    }
}
