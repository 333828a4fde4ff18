package dev.tollgate.gateway.metrics;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.Scrip;
import io.micrometer.core.instrument.Counter;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link RequestMeters} in Micrometer for one config. The meters of the paid click (accepted, revenue by rule, the
 * timers) are made here up front, or once per filter ({@link MicrometerMetrics}); a refusal's counter is made on its first use and kept (codes and schemes are
 * bounded: {@link ErrorCode} by the schemes read). Thread-safe.
 */
final class MicrometerRequestMeters implements RequestMeters {

    private final MicrometerMetrics metrics;
    private final SummedTimer verifiedCached;
    private final SummedTimer verifiedFirstSeen;
    private final SummedTimer ledgerCharge;
    private final Counter acceptedScrip;
    private final Counter acceptedPayWord;
    /** By rule identity: the config's own rules, looked up without hashing their contents. */
    private final Map<PriceRule, Counter> revenue = new IdentityHashMap<>();
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

    MicrometerRequestMeters(MicrometerMetrics metrics, GatewayConfig config) {
        this.metrics = metrics;
        this.verifiedCached = metrics.verifiedCached;
        this.verifiedFirstSeen = metrics.verifiedFirstSeen;
        this.ledgerCharge = metrics.ledgerCharge;
        this.acceptedScrip = payments("accepted", "none", Scrip.SCHEME);
        this.acceptedPayWord = payments("accepted", "none", PayWord.SCHEME);
        String currency = config.currency().getCurrencyCode();
        for (PriceRule rule : config.rules()) {
            revenue.put(rule, metrics.remember(Counter.builder("tollgate.revenue")
                    .tags("rule", rule.id().orElse(rule.match()), "currency", currency).baseUnit("micros")
                    .description("what was charged under the rule, in micro-units (refunds are not subtracted)")
                    .register(metrics.registry())));
        }
    }

    private Counter payments(String outcome, String code, String scheme) {
        return metrics.remember(Counter.builder("tollgate.payments")
                .tags("outcome", outcome, "code", code, "scheme", scheme)
                .description("payments accepted, and refused by error code").register(metrics.registry()));
    }

    @Override
    public long start() {
        return System.nanoTime();
    }

    @Override
    public void verified(long started, boolean cached) {
        (cached ? verifiedCached : verifiedFirstSeen).record(System.nanoTime() - started);
    }

    @Override
    public void ledgerCharged(long started) {
        ledgerCharge.record(System.nanoTime() - started);
    }

    @Override
    public void accepted(String scheme) {
        if (Scrip.SCHEME.equals(scheme)) {
            acceptedScrip.increment();
        } else if (PayWord.SCHEME.equals(scheme)) {
            acceptedPayWord.increment();
        }
    }

    @Override
    public void refused(ErrorCode code, String scheme) {
        refusals.computeIfAbsent(code.code() + ' ' + scheme, key -> payments("refused", code.code(), scheme))
                .increment();
    }

    @Override
    public void earned(PriceRule rule, long micros) {
        Counter counter = revenue.get(rule);
        if (counter != null) {
            counter.increment(micros);
        }
    }
}
