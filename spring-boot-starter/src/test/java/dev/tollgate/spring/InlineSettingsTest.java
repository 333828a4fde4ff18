package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

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

    @Test
    void environmentVariablesAreReadOnlyThroughPlaceholders() {
        StandardEnvironment environment = environment(Map.of(
                "tollgate.currency", "USD", "tollgate.data-dir", "${TOLLGATE_DATA_DIR}"));
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("TOLLGATE_DATA_DIR", "/var/lib/tollgate",
                                "TOLLGATE_BROKER_JWKS_URL", "https://broker.test/jwks.json",
                                "TOLLGATE_CONFIGFILE", "/etc/tollgate.yaml",
                                "TOLLGATE_CONFIG_FILE", "/etc/tollgate.yaml")));
        ConfigurationPropertySources.attach(environment); // as SpringApplication does

        assertThat(InlineSettings.of(environment)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "currency", "USD", "data-dir", "/var/lib/tollgate"));
    }

    @Test
    void theStartersOwnKeysAreLeftOutHoweverTheyAreSpelled() {
        StandardEnvironment environment = environment(Map.of(
                "tollgate.CONFIGFILE", "/etc/a.yaml", "tollgate.Config_File", "/etc/a.yaml", "tollgate.ENABLED", true));

        assertThat(InlineSettings.of(environment)).isEmpty();
        assertThat(InlineSettings.present(environment)).isFalse();
    }

    @Test
    void anInfinitePriceIsAProblemOfItsProperty() {
        Map<String, Object> settings = InlineSettings.of(environment(Map.ofEntries(
                Map.entry("tollgate.seller.id", "seller-1"),
                Map.entry("tollgate.broker.id", "test"),
                Map.entry("tollgate.broker.issuer", "https://broker.test"),
                Map.entry("tollgate.broker.jwks-url", "https://broker.test/.well-known/jwks.json"),
                Map.entry("tollgate.broker.token-endpoint", "https://broker.test/v1/scrip"),
                Map.entry("tollgate.currency", "USD"),
                Map.entry("tollgate.rules[0].match", "/a/**"),
                Map.entry("tollgate.rules[0].price", Double.POSITIVE_INFINITY),
                Map.entry("tollgate.rules[1].match", "/b/**"),
                Map.entry("tollgate.rules[1].price", Double.NaN))));

        assertThat(settings.get("rules")).isEqualTo(List.of(Map.of("match", "/a/**", "price", ".inf"),
                Map.of("match", "/b/**", "price", ".nan")));
        assertThatThrownBy(() -> GatewayConfig.of(settings, InlineSettings.PREFIX))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems())
                        .anySatisfy(problem -> assertThat(problem).startsWith("tollgate.rules[0].price: ")
                                .contains(".inf"))
                        .anySatisfy(problem -> assertThat(problem).startsWith("tollgate.rules[1].price: ")
                                .contains(".nan")));
    }
}
