package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The spending counts of one client. */
final class BudgetTest {

    @Test
    void sellersThatWereNeverPaidDoNotUseUpTheSellersAClientKeeps() throws Exception {
        // Any 402 names a seller: refused offers (a broker that knows no such seller, a limit) must not fill the
        // bounded table, or a hostile site could stop the client from ever paying a new seller.
        Budget budget = new Budget(SpendingLimits.builder("USD").build(), Clock.systemUTC());
        for (int i = 0; i < Budget.MAX_SELLERS; i++) {
            budget.settle(budget.reserve("unknown-" + i, 10, 10), 0);
            budget.spentUnreserved("unknown-" + i, 0);
        }

        Budget.Reservation paid = budget.reserve("real", 10, 10);
        budget.settle(paid, 10);

        assertThat(budget.spent()).isEqualTo(10);
    }
}
