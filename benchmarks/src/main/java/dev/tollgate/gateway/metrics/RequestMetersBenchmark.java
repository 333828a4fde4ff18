package dev.tollgate.gateway.metrics;

import dev.tollgate.bench.BrokerFixture;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.protocol.Scrip;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the meters add to a paid click (README.md, "Monitoring"): a cached credential timed, a charge timed, its revenue
 * counted under its rule, the payment counted accepted. {@code none}: no Micrometer or no registry; {@code prometheus}:
 * a Prometheus registry, as the demo and a Spring Boot app with Actuator have.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class RequestMetersBenchmark {

    @Param({"none", "prometheus"})
    public String registry;

    private RequestMeters meters;
    private PriceRule rule;

    @Setup
    public void setUp() throws IOException, InvalidConfigException {
        GatewayConfig config = GatewayConfig.load(BrokerFixture.writeConfig(Files.createTempDirectory("tollgate-bench"),
                URI.create("https://broker.test/jwks"), "rules:\n  - match: /articles/**\n    price: 0.05\n"));
        rule = config.rules().get(0);
        meters = registry.equals("none") ? RequestMeters.NONE
                : new MicrometerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "USD", null)
                        .requests(config);
    }

    @Benchmark
    public void paidClick() {
        long read = meters.start();
        meters.verified(read, true);
        long charge = meters.start();
        meters.ledgerCharged(charge);
        meters.earned(rule, 50_000);
        meters.accepted(Scrip.SCHEME);
    }

    @Benchmark
    public void refusal() {
        meters.refused(ErrorCode.INSUFFICIENT_BUDGET, Scrip.SCHEME);
    }
}
