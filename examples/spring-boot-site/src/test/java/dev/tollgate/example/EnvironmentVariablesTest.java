package dev.tollgate.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.TollgateFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The example started as its README runs it, with {@code TOLLGATE_DATA_DIR} and {@code BROKER_ISSUER} in the
 * environment: application.yml takes them through placeholders, and Spring's own reading of
 * {@code TOLLGATE_DATA_DIR} as {@code tollgate.data.dir} does not stop the app as an unknown setting.
 */
final class EnvironmentVariablesTest {

    @TempDir
    Path dataDir;

    /** An environment whose variables are {@code variables}, not the test process's. */
    private static StandardEnvironment withVariables(Map<String, Object> variables) {
        return new StandardEnvironment() {
            @Override
            protected void customizePropertySources(MutablePropertySources sources) {
                super.customizePropertySources(sources);
                sources.replace(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
            }
        };
    }

    @Test
    void theGatewayTakesItsDataDirFromTheEnvironmentThroughThePlaceholder() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SpringBootSiteApplication.class)
                .environment(withVariables(Map.of("TOLLGATE_DATA_DIR", dataDir.toString(),
                        "BROKER_ISSUER", "https://broker.test")))
                .properties("server.port=0", "tollgate.broker.jwks-url=http://127.0.0.1:1/.well-known/jwks.json")
                .run();
        try {
            assertThat(context.getBean(TollgateFilter.class).report(1).totalMicros()).isZero();
            try (Stream<Path> files = Files.list(dataDir)) {
                assertThat(files).isNotEmpty(); // the ledger is where the variable says
            }
        } finally {
            context.close();
        }
    }
}
