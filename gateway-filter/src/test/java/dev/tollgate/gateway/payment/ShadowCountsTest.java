package dev.tollgate.gateway.payment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ShadowReport;
import org.junit.jupiter.api.Test;

/** Shadow mode's counts stay bounded whatever rule names reloads bring, and lose no micro-unit in the bound. */
final class ShadowCountsTest {

    @Test
    void rulesPastMaxRulesAreSummedUnderOtherRulesWithNothingLost() {
        ShadowCounts counts = new ShadowCounts();
        int rules = ShadowReport.MAX_RULES + 44;
        for (int i = 0; i < rules; i++) {
            counts.charged("/rule-" + i + "/**", 1_000);
            counts.charged("/rule-" + i + "/**", 1_000);
        }

        ShadowReport report = counts.report("USD");

        assertThat(report.rules()).hasSize(ShadowReport.MAX_RULES + 1);
        ShadowReport.Rule other = report.rules().stream().filter(r -> r.rule().equals(ShadowReport.OTHER_RULES))
                .findFirst().orElseThrow();
        assertThat(other.requests()).isEqualTo(2 * 44);
        assertThat(report.totalMicros()).isEqualTo(2_000L * rules);
    }
}
