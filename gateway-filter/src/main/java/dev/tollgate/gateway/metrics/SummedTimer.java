package dev.tollgate.gateway.metrics;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A timer for the paid click's steps (reading its payment, recording its charge): two adds to striped counters, read
 * as a Micrometer {@code FunctionTimer} (count and total: their rates give the mean) at scrape time. A {@code Timer}
 * also keeps a decaying maximum, which costs several times more per record (RequestMetersBenchmark). Made once per
 * filter, so the meters of a reloaded config keep counting into the same sums. Thread-safe.
 */
final class SummedTimer {

    private final LongAdder count = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    /** Registers the durations as {@code name} with {@code tags}. */
    FunctionTimer register(MeterRegistry registry, String name, Tags tags, String description) {
        return FunctionTimer.builder(name, this, d -> d.count.sum(), d -> d.nanos.sum(), TimeUnit.NANOSECONDS)
                .tags(tags).description(description).register(registry);
    }

    void record(long elapsedNanos) {
        count.increment();
        nanos.add(elapsedNanos);
    }
}
