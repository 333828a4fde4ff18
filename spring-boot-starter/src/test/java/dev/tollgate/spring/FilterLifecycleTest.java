package dev.tollgate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import jakarta.servlet.ServletContext;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.context.WebApplicationContext;

/**
 * The embedded container starts the filter the starter registers, and closing the app stops it; an app with a bad
 * setting does not start, and says why.
 */
@ExtendWith(OutputCaptureExtension.class)
final class FilterLifecycleTest {

    @TempDir
    Path dir;

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }

    @Test
    void aBadSettingStopsTheAppWithEveryProblemInItsFailureReport(CapturedOutput output) {
        SpringApplicationBuilder app = new SpringApplicationBuilder(App.class).properties(
                "server.port=0",
                "tollgate.seller.id=seller-1",
                "tollgate.currency=dollars",
                "tollgate.rules[0].match=/api/**",
                "tollgate.rules[0].price=-0.01");

        assertThatThrownBy(app::run).hasRootCauseInstanceOf(InvalidConfigException.class);
        assertThat(output).contains("APPLICATION FAILED TO START", "Tollgate cannot start: tollgate has 2 problems:",
                "tollgate.currency: ", "tollgate.broker: missing");
    }

    @Test
    void theContainerStartsTheFilterAndClosingTheAppClosesItsLedger() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).properties(
                "server.port=0",
                "tollgate.seller.id=seller-1",
                "tollgate.broker.id=test",
                "tollgate.broker.issuer=https://broker.test",
                "tollgate.broker.jwks-url=http://127.0.0.1:1/.well-known/jwks.json",
                "tollgate.broker.token-endpoint=https://broker.test/v1/scrip",
                "tollgate.currency=USD",
                "tollgate.data-dir=" + dir,
                "tollgate.rules[0].match=/api/**",
                "tollgate.rules[0].price=0.01").run();
        TollgateFilter filter = context.getBean(TollgateFilter.class);
        try {
            ServletContext servletContext = ((WebApplicationContext) context).getServletContext();
            assertThat(servletContext.getAttribute(TollgateFilter.CONTEXT_ATTRIBUTE)).isSameAs(filter);
            assertThat(filter.report(1).totalMicros()).isZero();
        } finally {
            context.close();
        }
        assertThatThrownBy(() -> filter.report(1)).isInstanceOf(LedgerUnavailableException.class)
                .hasMessageContaining("closed");
    }
}
