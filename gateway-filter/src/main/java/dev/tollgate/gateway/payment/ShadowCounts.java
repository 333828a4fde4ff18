package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.ShadowReport;
import dev.tollgate.gateway.http.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts behind a {@link ShadowReport}: per rule (at most {@link ShadowReport#MAX_RULES} apart, then summed under
 * {@link ShadowReport#OTHER_RULES}) and per {@link ErrorCode} (an enum: bounded). Thread-safe; counting takes a map
 * lookup and two adders, no lock.
 */
final class ShadowCounts {

    /** Requests and micro-units of one rule. */
    private record Tally(LongAdder requests, LongAdder micros) {
        Tally() {
            this(new LongAdder(), new LongAdder());
        }
    }

    private final Map<String, Tally> rules = new ConcurrentHashMap<>();
    /** The order rules first charged in, for the report; guarded by itself. */
    private final List<String> order = new ArrayList<>();
    private final LongAdder[] refusals = new LongAdder[ErrorCode.values().length];

    ShadowCounts() {
        for (int i = 0; i < refusals.length; i++) {
            refusals[i] = new LongAdder();
        }
    }

    void charged(String rule, long micros) {
        Tally tally = rules.get(rule);
        if (tally == null) {
            tally = tallyOf(rule);
        }
        tally.requests.increment();
        tally.micros.add(micros);
    }

    void refused(ErrorCode code) {
        refusals[code.ordinal()].increment();
    }

    ShadowReport report(String currency) {
        List<ShadowReport.Rule> byRule = new ArrayList<>();
        synchronized (order) {
            for (String rule : order) {
                Tally tally = rules.get(rule);
                byRule.add(new ShadowReport.Rule(rule, tally.requests.sum(), tally.micros.sum()));
            }
        }
        Map<String, Long> refused = new LinkedHashMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            long count = refusals[code.ordinal()].sum();
            if (count > 0) {
                refused.put(code.code(), count);
            }
        }
        return new ShadowReport(currency, byRule, refused);
    }

    private Tally tallyOf(String rule) {
        synchronized (order) {
            String key = order.size() < ShadowReport.MAX_RULES || rules.containsKey(rule) ? rule
                    : ShadowReport.OTHER_RULES;
            Tally tally = rules.get(key);
            if (tally == null) {
                tally = new Tally();
                rules.put(key, tally);
                order.add(key);
            }
            return tally;
        }
    }
}
