package dev.tollgate.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.spring.TollgateFilterCustomizer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Actuator's health turns DOWN when the broker has been unreachable for its {@code max-stale}: the gateway runs on a
 * test clock (set through a {@link TollgateFilterCustomizer}, as an app would set any builder option) and the JWKS
 * server stops answering. With the example's own exposure settings, so only health is served.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tollgate.broker.max-stale=2h")
final class StaleKeysHealthTest {

    private static final MutableClock CLOCK = MutableClock.atNow();

    @RegisterExtension
    static final SiteBroker BROKER = new SiteBroker(new TestBroker());

    @LocalServerPort
    int port;

    @Autowired
    @Qualifier("tollgateHealthIndicator")
    HealthIndicator tollgate;

    @TestConfiguration
    static class TestClock {
        @Bean
        TollgateFilterCustomizer testClock() {
            return builder -> builder.clock(CLOCK);
        }
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry properties) {
        BROKER.properties(properties);
    }

    @Test
    void keysStalePastMaxStaleTurnTheHealthEndpointDown() throws Exception {
        SiteClient site = new SiteClient(port);
        assertThat(site.actuatorHealth()).isEqualTo("200 UP");
        BROKER.jwks.down(true);
        CLOCK.advance(Duration.ofMinutes(119));
        assertThat(tollgate.health().getStatus()).isEqualTo(Status.UP);

        CLOCK.advance(Duration.ofMinutes(1));

        assertThat(site.actuatorHealth()).isEqualTo("503 DOWN");
        Health health = tollgate.health();
        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails().get("keys:demo")).isEqualTo(Map.of("status", "DOWN",
                "detail", "keys fetched PT2H ago, stale past max-stale PT2H"));
    }

    @Test
    void onlyHealthIsExposedByDefault() throws Exception {
        assertThat(new SiteClient(port).get("/actuator/prometheus").statusCode()).isEqualTo(404);
    }
}
