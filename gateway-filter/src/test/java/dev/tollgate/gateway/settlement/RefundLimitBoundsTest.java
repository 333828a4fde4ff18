package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The refund counts' two limits per account, and the bound on how many accounts are counted: a buyer controls which
 * scrip it refunds (each a jti the broker issued against reserved budget), so the counts must not grow with them.
 */
final class RefundLimitBoundsTest {

    private final RefundLimit limit = new RefundLimit();

    @Test
    void anAccountIsExhaustedByEitherLimitAndOthersAreNot() {
        for (int i = 0; i < RefundLimit.MAX_REFUNDS - 1; i++) {
            limit.refunded(false, "chosen", true);
        }
        assertThat(limit.exhausted(false, "chosen")).isFalse();
        limit.refunded(false, "chosen", true);
        assertThat(limit.exhausted(false, "chosen")).isTrue();

        for (int i = 0; i < RefundLimit.MAX_ALL_REFUNDS - 1; i++) {
            limit.refunded(false, "sellers", false);
        }
        assertThat(limit.exhausted(false, "sellers")).as("the seller's failures count only in all").isFalse();
        limit.refunded(false, "sellers", false);
        assertThat(limit.exhausted(false, "sellers")).isTrue();

        assertThat(limit.exhausted(true, "chosen")).as("a chain is counted apart from scrip").isFalse();
        assertThat(limit.exhausted(false, "other")).isFalse();
    }

    @Test
    void atMostTheBoundOfAccountsIsCountedPerKind() {
        for (int i = 0; i < RefundLimit.ACCOUNTS + 5_000; i++) {
            limit.refunded(false, "scrip-" + i, true);
            limit.refunded(true, "chain-" + i, true);
        }

        assertThat(limit.accounts()).isLessThanOrEqualTo(2L * RefundLimit.ACCOUNTS);
    }
}
