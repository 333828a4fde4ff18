package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.config.ConfigLoader;
import dev.tollgate.gateway.config.Placeholders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ${name}} and {@code ${name:-default}} in config values, in the init-param and their error messages. */
final class ConfigPlaceholdersTest {

    private static final Map<String, String> VARIABLES = Map.of("tollgate.data", "/srv/tollgate",
            "tollgate.broker-port", "9444", "EMPTY", "", "SELLER_NAME", "Daily <Byte>");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private GatewayConfig load(String yaml) throws Exception {
        return ConfigLoader.load(write(yaml), VARIABLES::get);
    }

    private InvalidConfigException problemsOf(String yaml) throws IOException {
        Path file = write(yaml);
        return catchThrowableOfType(InvalidConfigException.class, () -> ConfigLoader.load(file, VARIABLES::get));
    }

    private static String config(String issuer, String dataDir) {
        return String.join("\n",
                "seller:",
                "  id: seller-1",
                "  name: ${SELLER_NAME}",
                "broker:",
                "  id: test",
                "  issuer: " + issuer,
                "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
                "  token-endpoint: https://broker.test/v1/scrip",
                "currency: USD",
                "data-dir: " + dataDir,
                "rules:",
                "  - match: /a/**",
                "    price: 0.05",
                "");
    }

    @Test
    void placeholdersInValuesAreReplacedByTheirVariables() throws Exception {
        GatewayConfig config = load(config("https://localhost:${tollgate.broker-port:-8444}", "${tollgate.data}"));
        assertThat(config.broker().issuer()).isEqualTo("https://localhost:9444");
        assertThat(config.dataDir()).isEqualTo(Path.of("/srv/tollgate"));
        assertThat(config.sellerName()).isEqualTo("Daily <Byte>");
    }

    @Test
    void aDefaultIsUsedWhenTheVariableIsUnsetOrEmpty() throws Exception {
        GatewayConfig config = load(config("https://localhost:${unset.port:-8444}", "${EMPTY:-../data}"));
        assertThat(config.broker().issuer()).isEqualTo("https://localhost:8444");
        assertThat(config.dataDir()).isEqualTo(dir.toAbsolutePath().resolve("../data").normalize());
    }

    @Test
    void aDoubledDollarWritesALiteralPlaceholder() throws Exception {
        GatewayConfig config = load(config("https://broker.test", "data").replace("    price: 0.05",
                "    price: 0.05\n    description: costs $${tollgate.data} and ${tollgate.broker-port}"));
        assertThat(config.rules().get(0).description()).isEqualTo("costs ${tollgate.data} and 9444");
    }

    @Test
    void anUnsetVariableWithoutDefaultIsNamedWithLineColumnAndSetting() throws Exception {
        InvalidConfigException e = problemsOf(config("https://localhost:${tollgate.port}", "data"));
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:6:11: broker.issuer: ${tollgate.port} is neither a system property nor "
                        + "an environment variable, and has no default");
    }

    @Test
    void malformedPlaceholdersAreRefused() throws Exception {
        assertThat(problemsOf(config("https://broker.test", "${tollgate.data")).problems()).singleElement()
                .asString().contains("gateway.yaml:10:11: data-dir: '${' at character 1 is not closed");
        assertThat(problemsOf(config("https://broker.test", "${a b}")).problems()).singleElement()
                .asString().contains("gateway.yaml:10:11: data-dir: '${a b}' does not name a variable");
    }

    @Test
    void placeholdersInListsAreResolvedAndKeysAreNot() throws Exception {
        GatewayConfig config = load(config("https://broker.test", "data").replace("    price: 0.05",
                "    price: 0.05\n    methods: [\"${unset:-GET}\", POST]"));
        assertThat(config.rules().get(0).methods()).containsExactlyInAnyOrder("GET", "POST");
        InvalidConfigException e = problemsOf(config("https://broker.test", "data") + "${tollgate.data}: x\n");
        assertThat(e.problems()).singleElement().asString().contains("unknown setting '${tollgate.data}'");
    }

    @Test
    void systemPropertiesComeBeforeEnvironmentVariables() {
        String name = "PATH";
        assertThat(System.getenv(name)).isNotNull();
        assertThat(Placeholders.resolve("${PATH}")).isEqualTo(System.getenv(name));
        System.setProperty(name, "from-a-property");
        try {
            assertThat(Placeholders.resolve("x=${PATH}")).isEqualTo("x=from-a-property");
        } finally {
            System.clearProperty(name);
        }
        assertThatThrownBy(() -> Placeholders.resolve("${tollgate.surely-unset-variable}"))
                .hasMessageContaining("${tollgate.surely-unset-variable} is neither");
    }

    @Test
    void theInitParamTakesPlaceholdersToo() throws Exception {
        Path file = write(config("https://broker.test", "data"));
        System.setProperty("tollgate.test.config", file.toString());
        try {
            jakarta.servlet.ServletException e = catchThrowableOfType(jakarta.servlet.ServletException.class,
                    () -> new TollgateFilter().init(initParam("${tollgate.test.unset}")));
            assertThat(e).hasMessageContaining("init-param 'config'").hasMessageContaining("${tollgate.test.unset}");
            assertThat(Placeholders.resolve("${tollgate.test.config:-config/gateway.yaml}"))
                    .isEqualTo(file.toString());
            assertThat(Placeholders.resolve("${tollgate.test.none:-config/gateway.yaml}"))
                    .isEqualTo("config/gateway.yaml");
        } finally {
            System.clearProperty("tollgate.test.config");
        }
    }

    private static jakarta.servlet.FilterConfig initParam(String value) {
        return new jakarta.servlet.FilterConfig() {
            @Override
            public String getFilterName() {
                return "tollgate";
            }

            @Override
            public jakarta.servlet.ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return name.equals(TollgateFilter.CONFIG_INIT_PARAM) ? value : null;
            }

            @Override
            public java.util.Enumeration<String> getInitParameterNames() {
                return java.util.Collections.enumeration(java.util.List.of(TollgateFilter.CONFIG_INIT_PARAM));
            }
        };
    }
}
