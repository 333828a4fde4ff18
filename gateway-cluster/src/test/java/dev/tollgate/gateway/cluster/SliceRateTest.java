package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A slice's refill is sized from the recent spend in whole micro-units, never past the largest amount Redis keeps. */
final class SliceRateTest {

    @Test
    void theRateIsExactAndBounded() {
        long second = 1_000_000_000L;
        assertThat(Slice.rate(3, 2 * second, 3 * second)).isEqualTo(2); // 3 × 2 / 3, no rounding error
        assertThat(Slice.rate(0, 2 * second, second)).isZero();
        assertThat(Slice.rate(1_000_000_000_000L, 2 * second, 1)).as("a product past 63 bits")
                .isEqualTo(BudgetLeases.MAX_MICROS);
        assertThat(Slice.rate(BudgetLeases.MAX_MICROS, 1, 1)).isEqualTo(BudgetLeases.MAX_MICROS);
    }
}
