package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Ledger#sales}: what the seller's dashboard shows, straight from the ledger. */
final class SqliteLedgerSalesTest {

    @TempDir
    Path dir;

    @Test
    void salesCountChargesNetOfRefundsPerResourceAndIncludeChargesNotYetFolded() throws Exception {
        ScripAccount a = scrip("a", 1_000_000);
        ScripAccount b = scrip("b", 1_000_000);
        Instant before = Instant.now().minusSeconds(1);
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            String first = ((ChargeResult.Charged) ledger.charge(a, 50_000, "/articles/one")).receiptId();
            ledger.charge(b, 50_000, "/articles/one");
            ledger.charge(a, 20_000, "/articles/two");
            String refunded = ((ChargeResult.Charged) ledger.charge(b, 70_000, "/videos/v")).receiptId();
            assertThat(ledger.refund(refunded)).isTrue();

            Sales sales = ledger.sales(3); // at once: some records are still only in the journal

            assertThat(sales.byResource()).containsExactly(new Sales.Resource("/articles/one", 100_000, 2),
                    new Sales.Resource("/articles/two", 20_000, 1));
            assertThat(sales.revenueMicros()).isEqualTo(120_000);
            assertThat(sales.recent()).extracting(Sales.Charge::resource)
                    .containsExactly("/videos/v", "/articles/two", "/articles/one");
            assertThat(sales.recent().get(0).receiptId()).isEqualTo(refunded);
            assertThat(sales.recent().get(0).refunded()).isTrue();
            assertThat(sales.recent().get(1).refunded()).isFalse();
            assertThat(sales.recent().get(1).amountMicros()).isEqualTo(20_000);
            assertThat(sales.recent().get(0).at()).isBetween(before, Instant.now().plusSeconds(1));
            assertThat(ledger.sales(10).recent()).last().extracting(Sales.Charge::receiptId).isEqualTo(first);
            assertThat(sales.settledMicros()).isZero();
            assertThat(sales.unsettledMicros()).isEqualTo(120_000);

            ledger.markSettled(ISSUER, "a", 70_000);
            Sales later = ledger.sales(0);
            assertThat(later.recent()).isEmpty();
            assertThat(later.settledMicros()).isEqualTo(70_000);
            assertThat(later.unsettledMicros()).isEqualTo(50_000);
        }
    }

    @Test
    void salesSurviveARestart() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            ledger.charge(scrip("a", 100_000), 30_000, "/a");
        }
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            assertThat(ledger.sales(5).byResource()).containsExactly(new Sales.Resource("/a", 30_000, 1));
        }
    }

    @Test
    void anEmptyLedgerHasNoSalesAndTheLimitIsBounded() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            Sales sales = ledger.sales(10);
            assertThat(sales.byResource()).isEmpty();
            assertThat(sales.recent()).isEmpty();
            assertThat(sales.revenueMicros()).isZero();
            assertThat(sales.settledMicros()).isZero();
            assertThatThrownBy(() -> ledger.sales(1001)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ledger.sales(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aClosedLedgerFailsClosed() throws Exception {
        SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"));
        ledger.close();
        assertThatThrownBy(() -> ledger.sales(5)).isInstanceOf(LedgerUnavailableException.class);
    }
}
