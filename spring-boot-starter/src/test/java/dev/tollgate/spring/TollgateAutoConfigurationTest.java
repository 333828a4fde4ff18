package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.browser.BrowserFlow;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/** What the auto-configuration registers, and refuses, for each way of writing the properties. */
final class TollgateAutoConfigurationTest {

    @TempDir
    Path dir;

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TollgateAutoConfiguration.class));

    private String[] inline(String price) {
        return inlineSettings(dir, price);
    }

    /** A whole inline config with a free and a priced rule, the data directory {@code dir}. */
    static String[] inlineSettings(Path dir, String price) {
        return new String[] {
            "tollgate.seller.id=seller-1",
            "tollgate.broker.id=test",
            "tollgate.broker.issuer=https://broker.test",
            "tollgate.broker.jwks-url=http://127.0.0.1:1/.well-known/jwks.json",
            "tollgate.broker.token-endpoint=https://broker.test/v1/scrip",
            "tollgate.currency=USD",
            "tollgate.data-dir=" + dir,
            "tollgate.rules[0].match=/free/**",
            "tollgate.rules[0].charge=free",
            "tollgate.rules[1].match=/api/**",
            "tollgate.rules[1].price=" + price,
            "tollgate.rules[1].methods[0]=GET",
            "tollgate.rules[1].methods[1]=POST",
        };
    }

    @Test
    void withoutTollgatePropertiesNothingIsRegistered() {
        runner.withPropertyValues("tollgate.filter.order=5").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(TollgateFilter.class);
            assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
        });
    }

    @Test
    void enabledFalseRegistersNothingWhateverIsConfigured() {
        runner.withPropertyValues(inline("0.05")).withPropertyValues("tollgate.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(TollgateFilter.class);
        });
    }

    @Test
    void inlineSettingsRegisterTheFilterWithTheirRules() {
        runner.withPropertyValues(inline("0.05")).run(context -> {
            TollgateFilter filter = context.getBean(TollgateFilter.class);
            FilterRegistrationBean<?> registration = context.getBean(FilterRegistrationBean.class);
            assertThat(registration.getFilter()).isSameAs(filter);
            assertThat(registration.getUrlPatterns()).containsExactly("/*");
            assertThat(registration.getOrder()).isZero();
        });
    }

    @Test
    void orderAndUrlPatternsAreConfigurableAndTheGatewaysOwnPathsStayMapped() {
        runner.withPropertyValues(inline("0.05"))
                .withPropertyValues("tollgate.filter.order=-50", "tollgate.filter.url-patterns=/api/*,/articles/*")
                .run(context -> {
                    FilterRegistrationBean<?> registration = context.getBean(FilterRegistrationBean.class);
                    assertThat(registration.getOrder()).isEqualTo(-50);
                    assertThat(registration.getUrlPatterns())
                            .containsExactly("/api/*", "/articles/*", TollgateFilter.CALLBACK_PATH,
                                    BrowserFlow.CONFIRM_PATH, BrowserFlow.PASS_PATH);
                });
    }

    @Test
    void aSpringStyleUrlPatternStopsTheAppNamingTheProperty() {
        runner.withPropertyValues(inline("0.05")).withPropertyValues("tollgate.filter.url-patterns=/api/**")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageStartingWith(
                            "tollgate.filter.url-patterns[0]: '/api/**' is not a Servlet url-pattern");
                });
    }

    @Test
    void aPricedRuleOutsideTheUrlPatternsStopsTheApp() {
        runner.withPropertyValues(inline("0.05")).withPropertyValues("tollgate.filter.url-patterns=/articles/*")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessage("tollgate.filter.url-patterns:"
                            + " [/articles/*] do not cover the priced rule '/api/**', which would then be served free:"
                            + " add a pattern such as /api/* or keep /*");
                });
    }

    @Test
    void aBadPriceStopsTheAppNamingTheProperty() {
        runner.withPropertyValues(inline("-0.05")).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOfSatisfying(InvalidConfigException.class,
                    e -> assertThat(e.problems()).singleElement().asString()
                            .startsWith("tollgate.rules[1].price: ").contains("negative"));
        });
    }

    @Test
    void aMisspelledSettingStopsTheAppWithWhatIsKnownThere() {
        runner.withPropertyValues(inline("0.05")).withPropertyValues("tollgate.rules[1].prize=0.05").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOfSatisfying(InvalidConfigException.class,
                    e -> assertThat(e.problems()).singleElement().asString()
                            .startsWith("tollgate.rules[1].prize: unknown setting 'prize' (known here: ")
                            .contains("price"));
        });
    }

    @Test
    void theFailureAnalysisListsEveryProblem() {
        runner.withPropertyValues(inline("-0.05")).withPropertyValues("tollgate.currency=dollars").run(context -> {
            InvalidConfigException cause = (InvalidConfigException) org.springframework.core.NestedExceptionUtils
                    .getRootCause(context.getStartupFailure());
            FailureAnalysis analysis = new InvalidConfigFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(cause.problems()).hasSize(1).first().asString().startsWith("tollgate.currency: ");
            assertThat(analysis.getDescription()).contains("tollgate has 1 problem:", "tollgate.currency: ");
        });
    }

    @Test
    void aListWithAGapInItsIndexesIsRefused() {
        runner.withPropertyValues(inline("0.05")).withPropertyValues("tollgate.rules[3].match=/x/**").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessage("tollgate.rules: the indexes [0, 1, 3] do not run from [0] without a gap");
        });
    }

    @Test
    void enabledWithoutAConfigStopsTheApp() {
        runner.withPropertyValues("tollgate.enabled=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("there is no config");
        });
    }

    @Test
    void aConfigFileIsValidatedAtStartup() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, String.join("\n", "seller:", "  id: seller-1", "broker:", "  id: test",
                "  issuer: https://broker.test", "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
                "  token-endpoint: https://broker.test/v1/scrip", "currency: USD", "rules:", "  - match: /a/**",
                "    price: -1", ""));
        runner.withPropertyValues("tollgate.config-file=" + file).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOfSatisfying(InvalidConfigException.class,
                    e -> assertThat(e.problems()).singleElement().asString().contains("gateway.yaml:11:12: rules[0].price"));
        });
    }

    @Test
    void aConfigFileAndInlineSettingsTogetherAreRefused() {
        runner.withPropertyValues(inline("0.05")).withPropertyValues("tollgate.config-file=" + dir.resolve("g.yaml"))
                .run(context -> assertThat(context.getStartupFailure()).rootCause()
                        .hasMessageContaining("are both set: keep one"));
    }
}
