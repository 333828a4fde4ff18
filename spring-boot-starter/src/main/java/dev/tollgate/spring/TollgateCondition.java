package dev.tollgate.spring;

import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the gateway is asked for: {@code tollgate.enabled=true}, or, with {@code tollgate.enabled} unset, a
 * {@code tollgate.config-file} or any inline gateway setting ({@code tollgate.seller.id}, ...). An app that only has
 * the starter on its class path gets no filter; one with a half-written config gets the filter's refusal of it rather
 * than silently no gateway.
 */
final class TollgateCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment environment = context.getEnvironment();
        ConditionMessage.Builder message = ConditionMessage.forCondition("Tollgate gateway");
        Boolean enabled = Binder.get(environment).bind(InlineSettings.PREFIX + ".enabled", Boolean.class)
                .orElse(null);
        if (enabled != null) {
            return enabled ? ConditionOutcome.match(message.because("tollgate.enabled is true"))
                    : ConditionOutcome.noMatch(message.because("tollgate.enabled is false"));
        }
        if (environment.containsProperty(InlineSettings.PREFIX + ".config-file")) {
            return ConditionOutcome.match(message.because("tollgate.config-file is set"));
        }
        if (InlineSettings.present(environment)) {
            return ConditionOutcome.match(message.because("tollgate.* gateway settings are set"));
        }
        return ConditionOutcome.noMatch(message.because(
                "neither tollgate.enabled, tollgate.config-file nor tollgate.* gateway settings are set"));
    }
}
