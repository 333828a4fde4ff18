package dev.tollgate.gateway.metrics;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.PriceRule;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.Scrip;
import io.micrometer.core.instrument.Counter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link RequestMeters} in Micrometer for one config. The meters of the paid click (accepted, revenue by rule, the
 * timers) are made here up front, or once per filter ({@link MicrometerMetrics}); a refusal's counter is made on its
 * first use and kept in a slot per {@link ErrorCode} and scheme, so counting one builds no key. Thread-safe.
 */
final class MicrometerRequestMeters implements RequestMeters {

    private final MicrometerMetrics metrics;
    private final SummedTimer verifiedCached;
    private final SummedTimer verifiedFirstSeen;
    private final SummedTimer ledgerCharge;
    private final Counter acceptedScrip;
    private final Counter acceptedPayWord;
    /** The schemes a refusal is tagged with; any other (none read) counts as {@link #NO_SCHEME}. */
    private static final List<String> SCHEMES = List.of(NO_SCHEME, Scrip.SCHEME, PayWord.SCHEME);

    /**
     * By the rule's tag (its id, else its match): a price function's rule reaches {@link #earned} as a copy priced
     * for its request ({@link PriceRule#pricedAt}), so not the config's own instance. The tags' hashes are cached.
     */
    private final Map<String, Counter> revenue = new HashMap<>();
    /** By {@link ErrorCode#ordinal()} times the schemes, plus the scheme's index in {@link #SCHEMES}. */
    private final AtomicReferenceArray<Counter> refusals =
            new AtomicReferenceArray<>(ErrorCode.values().length * SCHEMES.size());

    MicrometerRequestMeters(MicrometerMetrics metrics, GatewayConfig config) {
        this.metrics = metrics;
        this.verifiedCached = metrics.verifiedCached;
        this.verifiedFirstSeen = metrics.verifiedFirstSeen;
        this.ledgerCharge = metrics.ledgerCharge;
        this.acceptedScrip = payments("accepted", "none", Scrip.SCHEME);
        this.acceptedPayWord = payments("accepted", "none", PayWord.SCHEME);
        String currency = config.currency().getCurrencyCode();
        for (PriceRule rule : config.rules()) {
            revenue.put(tag(rule), metrics.remember(Counter.builder("tollgate.revenue")
                    .tags("rule", tag(rule), "currency", currency).baseUnit("micros")
                    .description("what was charged under the rule, in micro-units (refunds are not subtracted)")
                    .register(metrics.registry())));
        }
    }

    private static String tag(PriceRule rule) {
        return rule.id().orElse(rule.match());
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
        int known = SCHEMES.indexOf(scheme);
        int slot = code.ordinal() * SCHEMES.size() + Math.max(0, known);
        Counter counter = refusals.get(slot);
        if (counter == null) { // two first refusals may both register: Micrometer gives both the same counter
            counter = payments("refused", code.code(), SCHEMES.get(Math.max(0, known)));
            refusals.set(slot, counter);
        }
        counter.increment();
    }

    @Override
    public void earned(PriceRule rule, long micros) {
        Counter counter = revenue.get(tag(rule));
        if (counter != null) {
            counter.increment(micros);
        }
    }
}
