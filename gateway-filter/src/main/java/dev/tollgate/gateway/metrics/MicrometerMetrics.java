package dev.tollgate.gateway.metrics;

import dev.tollgate.gateway.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link GatewayMetrics} in a Micrometer registry. Every meter it registers is remembered and removed at
 * {@link #close}: the gauges read the filter's state, which must not outlive the filter (nor keep a redeployed app's
 * class loader). Thread-safe; {@link #brokers} is called by one thread at a time (start, then the config watcher).
 */
final class MicrometerMetrics implements GatewayMetrics {

    private final MeterRegistry registry;
    private final String currency;
    private final Readings readings;
    private final Counter reloadsAccepted;
    private final Counter reloadsRefused;
    /** Reading a payment, found in the credential cache or verified first-seen ({@link SummedTimer}). */
    final SummedTimer verifiedCached = new SummedTimer();
    final SummedTimer verifiedFirstSeen = new SummedTimer();
    /** Recording a charge in the ledger. */
    final SummedTimer ledgerCharge = new SummedTimer();
    /** Every meter registered, for {@link #close}: a few per rule, code and broker, all bounded by the config. */
    private final Set<Meter> registered = ConcurrentHashMap.newKeySet(); // a reload registers the same meters again
    /** The gauges of each broker with gauges now, by broker id and issuer. */
    private final Map<String, List<Meter>> brokerMeters = new HashMap<>();

    MicrometerMetrics(Object registry, String currency, Readings readings) {
        this.registry = (MeterRegistry) registry;
        this.currency = currency;
        this.readings = readings;
        this.reloadsAccepted = remember(Counter.builder("tollgate.config.reloads").tag("result", "accepted")
                .description("changes of the config file applied while running").register(this.registry));
        this.reloadsRefused = remember(Counter.builder("tollgate.config.reloads").tag("result", "refused")
                .description("changes of the config file refused (the previous config kept)").register(this.registry));
        String read = "time to read a payment: from the credential cache, or verified when first seen";
        remember(verifiedCached.register(this.registry, "tollgate.verification", Tags.of("cached", "true"), read));
        remember(verifiedFirstSeen.register(this.registry, "tollgate.verification", Tags.of("cached", "false"), read));
        remember(ledgerCharge.register(this.registry, "tollgate.ledger.charge", Tags.empty(),
                "time to record a charge in the ledger"));
    }

    /** In Micrometer's global registry, for a filter given none. */
    static MicrometerMetrics global(String currency, Readings readings) {
        return new MicrometerMetrics(Metrics.globalRegistry, currency, readings);
    }

    <M extends Meter> M remember(M meter) {
        registered.add(meter);
        return meter;
    }

    MeterRegistry registry() {
        return registry;
    }

    @Override
    public RequestMeters requests(GatewayConfig config) {
        return new MicrometerRequestMeters(this, config);
    }

    @Override
    public synchronized void brokers(GatewayConfig config) {
        Map<String, List<Meter>> gone = new HashMap<>(brokerMeters);
        config.brokers().forEach(broker -> gone.remove(key(broker)));
        gone.forEach((key, meters) -> { // first: a broker whose issuer changed gets its gauges anew
            brokerMeters.remove(key);
            meters.forEach(this::forget);
        });
        for (GatewayConfig.Broker broker : config.brokers()) {
            brokerMeters.computeIfAbsent(key(broker), k -> gaugesOf(broker.id(), broker.issuer()));
        }
    }

    private static String key(GatewayConfig.Broker broker) {
        return broker.id() + ' ' + broker.issuer();
    }

    private List<Meter> gaugesOf(String id, String issuer) {
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("tollgate.keys.age", readings, r -> secondsSince(r.keysFetchedAt(issuer), r.now()))
                .tag("broker", id).baseUnit("seconds").strongReference(true)
                .description("time since the broker's keys were last fetched").register(registry));
        meters.add(FunctionCounter.builder("tollgate.keys.refresh.failures", readings,
                        r -> r.keyRefreshFailures(issuer))
                .tag("broker", id).description("failed fetches of the broker's keys").register(registry));
        meters.add(Gauge.builder("tollgate.settlement.backlog.amount", readings,
                        r -> r.backlogMicros(issuer).map(Long::doubleValue).orElse(Double.NaN))
                .tags("broker", id, "currency", currency).baseUnit("micros").strongReference(true)
                .description("charges the broker has not yet settled, in micro-units (read from the ledger)")
                .register(registry));
        meters.add(Gauge.builder("tollgate.settlement.backlog.age", readings,
                        r -> r.backlogAge(issuer).map(age -> age.toMillis() / 1000.0).orElse(0.0))
                .tag("broker", id).baseUnit("seconds").strongReference(true)
                .description("how long the oldest charge still unsettled at the broker has waited")
                .register(registry));
        registered.addAll(meters);
        return meters;
    }

    private static double secondsSince(Optional<Instant> then, Instant now) {
        return then.map(t -> Duration.between(t, now).toMillis() / 1000.0).orElse(Double.NaN);
    }

    private void forget(Meter meter) {
        registered.remove(meter);
        registry.remove(meter);
    }

    @Override
    public void reloaded(boolean accepted) {
        (accepted ? reloadsAccepted : reloadsRefused).increment();
    }

    @Override
    public synchronized void close() {
        registered.forEach(registry::remove);
        registered.clear();
        brokerMeters.clear();
    }
}
