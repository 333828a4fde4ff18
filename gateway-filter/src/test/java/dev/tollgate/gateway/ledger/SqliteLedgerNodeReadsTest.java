package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a shared ledger reads from a node's embedded one (docs/CLUSTER.md): the node's id, what it charged on a scrip
 * net of refunds, in memory and after a restart, and the scrip and amount of a receipt.
 */
final class SqliteLedgerNodeReadsTest {

    @TempDir
    Path dir;

    @Test
    void theNodesIdChargesPerScripAndReceiptsAreReadAcrossARestart() throws Exception {
        Path file = dir.resolve("ledger.db");
        String receipt;
        String id;
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            id = ledger.databaseId();
            assertThat(id).matches("[0-9a-f]{16}");
            assertThat(ledger.chargedMicros(ISSUER, "s")).as("never charged").isZero();
            receipt = ((ChargeResult.Charged) ledger.charge(scrip("s", 1_000), 300, "/a")).receiptId();
            String refunded = ((ChargeResult.Charged) ledger.charge(scrip("s", 1_000), 200, "/a")).receiptId();
            assertThat(ledger.charge(scrip("s", 1_000), 600, "/a")).isInstanceOf(ChargeResult.Insufficient.class);
            assertThat(ledger.refund(refunded)).isTrue();

            assertThat(receipt).contains(id);
            assertThat(ledger.chargedMicros(ISSUER, "s")).isEqualTo(300);
            assertThat(ledger.scripCharge(refunded)).contains(new SqliteLedger.ScripCharge(ISSUER, "s", 200));
            assertThatThrownBy(() -> ledger.scripCharge("r-" + id + "-0000000fffff"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            assertThat(ledger.databaseId()).isEqualTo(id);
            assertThat(ledger.chargedMicros(ISSUER, "s")).isEqualTo(300);
            assertThat(ledger.scripCharge(receipt)).contains(new SqliteLedger.ScripCharge(ISSUER, "s", 300));
        }
    }

    @Test
    void aChargeNamingItsPaymentIsNeverAReplayAndKeepsTheIdentifiersHashAcrossARestart() throws Exception {
        Path file = dir.resolve("ledger.db");
        String hash;
        String first;
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            first = ((ChargeResult.Charged) ledger.chargeNamingPayment(scrip("n", 1_000), 100, "/a", "pay-1 GET"))
                    .receiptId();
            assertThat(ledger.chargeNamingPayment(scrip("n", 1_000), 100, "/a", "pay-1 GET"))
                    .as("the caller keeps identifiers: charged again").isInstanceOf(ChargeResult.Charged.class);
            hash = ledger.scripCharge(first).orElseThrow().paymentIdHash();
            assertThat(hash).matches("[0-9a-f]{32}");
        }
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            assertThat(ledger.scripCharge(first)).contains(new SqliteLedger.ScripCharge(ISSUER, "n", 100, hash));
            assertThat(ledger.refund(first)).isTrue();
            assertThat(ledger.chargedMicros(ISSUER, "n")).isEqualTo(100);
        }
    }
}
