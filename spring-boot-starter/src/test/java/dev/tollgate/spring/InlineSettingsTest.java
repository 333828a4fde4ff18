package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The tree the gateway validates, as Spring's property sources give it. */
final class InlineSettingsTest {

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application.yml", properties));
        return environment;
    }

    @Test
    void indexedPropertiesAreListsAndTheStartersOwnKeysAreLeftOut() {
        Map<String, Object> settings = InlineSettings.of(environment(Map.of(
                "tollgate.enabled", true,
                "tollgate.filter.order", 3,
                "tollgate.currency", "USD",
                "tollgate.rules[0].match", "/a/**",
                "tollgate.rules[0].methods[0]", "GET",
                "tollgate.rules[1].match", "/b/**")));

        assertThat(settings).containsOnlyKeys("currency", "rules");
        assertThat(settings.get("rules")).isEqualTo(List.of(Map.of("match", "/a/**", "methods", List.of("GET")),
                Map.of("match", "/b/**")));
    }

    @Test
    void aPriceYamlReadAsAFloatingPointNumberIsTheDecimalWritten() {
        Map<String, Object> settings = InlineSettings.of(environment(Map.of(
                "tollgate.rules[0].price", 0.0001, "tollgate.rules[1].price", 2.50, "tollgate.max-timeout", 30)));

        assertThat(settings.get("rules")).isEqualTo(List.of(Map.of("price", "0.0001"), Map.of("price", "2.5")));
        assertThat(settings.get("max-timeout")).isEqualTo("30");
    }

    @Test
    void noGatewaySettingIsAnEmptyTree() {
        StandardEnvironment environment = environment(Map.of("tollgate.enabled", false, "server.port", 0));

        assertThat(InlineSettings.of(environment)).isEmpty();
        assertThat(InlineSettings.present(environment)).isFalse();
    }
}
