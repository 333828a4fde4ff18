package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Charges under x402 payment identifiers: a request sent again is answered with its charge, never charged twice. */
final class SqliteLedgerPaymentIdTest {

    private static final String ID = "pay_7d5d747be160e280504c099d984bcfe0";

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    private static ChargeResult.Charged charged(ChargeResult result) {
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return (ChargeResult.Charged) result;
    }

    @Test
    void theSamePaymentSentAgainIsAnsweredWithItsChargeAndChargedOnce() throws Exception {
        ScripAccount scrip = scrip("a", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult.Charged first = charged(ledger.charge(scrip, 300, "/articles/1", ID));

            assertThat(ledger.charge(scrip, 300, "/articles/1", ID))
                    .isEqualTo(new ChargeResult.Replayed(first.receiptId(), 300, 700));
            assertThat(ledger.charge(scrip, 300, "/articles/1", ID))
                    .isEqualTo(new ChargeResult.Replayed(first.receiptId(), 300, 700));
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(1);
    }

    @Test
    void anIdentifierNamesOnePaymentOfOneResource() throws Exception {
        ScripAccount scrip = scrip("b", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            charged(ledger.charge(scrip, 300, "/articles/1", ID));

            assertThat(ledger.charge(scrip, 300, "/articles/2", ID)).isEqualTo(new ChargeResult.PaymentIdReused(700));
            assertThat(ledger.charge(scrip, 300, "/never-charged", ID))
                    .isEqualTo(new ChargeResult.PaymentIdReused(700));
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
        }
    }

    @Test
    void identifiersAreKeptPerScripAndChargesWithoutOneAreNotReplayed() throws Exception {
        ScripAccount one = scrip("c1", 1_000);
        ScripAccount other = scrip("c2", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult.Charged first = charged(ledger.charge(one, 100, "/x", ID));
            ChargeResult.Charged onOther = charged(ledger.charge(other, 100, "/x", ID));
            charged(ledger.charge(one, 100, "/x"));
            charged(ledger.charge(one, 100, "/x", ID + "-2"));

            assertThat(onOther.receiptId()).isNotEqualTo(first.receiptId());
            assertThat(ledger.remaining(one)).isEqualTo(700);
            assertThat(ledger.remaining(other)).isEqualTo(900);
        }
    }

    @Test
    void aRefundedChargeIsForgottenSoTheNextRequestUnderItsIdentifierPays() throws Exception {
        ScripAccount scrip = scrip("d", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult.Charged first = charged(ledger.charge(scrip, 300, "/x", ID));
            assertThat(ledger.refund(first.receiptId())).isTrue();

            ChargeResult.Charged again = charged(ledger.charge(scrip, 300, "/x", ID));

            assertThat(again.receiptId()).isNotEqualTo(first.receiptId());
            assertThat(ledger.charge(scrip, 300, "/x", ID))
                    .isEqualTo(new ChargeResult.Replayed(again.receiptId(), 300, 700));
        }
    }

    @Test
    void aChargeWhoseContentAReplayServedIsNotRefunded() throws Exception {
        ScripAccount scrip = scrip("e", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult.Charged first = charged(ledger.charge(scrip, 300, "/x", ID));
            assertThat(ledger.charge(scrip, 300, "/x", ID)).isInstanceOf(ChargeResult.Replayed.class);

            assertThat(ledger.refund(first.receiptId())).as("the replay got the content").isFalse();
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
        }
    }

    @Test
    void aChargeWhoseContentAReplayServedIsNotRefundedAfterARestartEither() throws Exception {
        ScripAccount scrip = scrip("e2", 1_000);
        String replayed;
        String plain;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            replayed = charged(ledger.charge(scrip, 300, "/x", ID)).receiptId();
            plain = charged(ledger.charge(scrip, 100, "/y", ID + "-never-replayed")).receiptId();
            assertThat(ledger.charge(scrip, 300, "/x", ID)).isInstanceOf(ChargeResult.Replayed.class);
        } // a refund of it started before the restart is finished by the next run (OnlineVoids, PendingRefunds)
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.refund(replayed)).as("the replay got the content before the restart").isFalse();
            assertThat(ledger.refund(plain)).as("no replay served it").isTrue();
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
            assertThat(ledger.chargedMicros(scrip.issuer(), scrip.jti())).isEqualTo(300);
        }
    }

    @Test
    void aReopenedLedgerStillAnswersTheSamePaymentWithItsCharge() throws Exception {
        ScripAccount scrip = scrip("f", 1_000);
        String receipt;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            receipt = charged(ledger.charge(scrip, 300, "/x", ID)).receiptId();
            String refunded = charged(ledger.charge(scrip, 100, "/y", ID + "-refunded")).receiptId();
            assertThat(ledger.refund(refunded)).isTrue();
        }
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.charge(scrip, 300, "/x", ID)).isEqualTo(new ChargeResult.Replayed(receipt, 300, 700));
            assertThat(ledger.charge(scrip, 300, "/z", ID)).isEqualTo(new ChargeResult.PaymentIdReused(700));
            assertThat(ledger.charge(scrip, 100, "/y", ID + "-refunded")).as("a refunded charge is forgotten")
                    .isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void concurrentRequestsUnderOneIdentifierChargeOnce() throws Exception {
        ScripAccount scrip = scrip("g", 1_000_000);
        int threads = PaymentIds.MAX_REPLAYS + 1; // one charge and its replays; a request more is a new payment
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            for (int round = 0; round < 20; round++) {
                String id = ID + "-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<ChargeResult>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return ledger.charge(scrip, 10, "/x", id);
                    }));
                }
                start.countDown();
                List<ChargeResult> outcomes = new ArrayList<>();
                for (Future<ChargeResult> result : results) {
                    outcomes.add(result.get());
                }
                List<ChargeResult> charges = outcomes.stream().filter(ChargeResult.Charged.class::isInstance).toList();
                assertThat(charges).as("round %d", round).hasSize(1);
                String receipt = ((ChargeResult.Charged) charges.get(0)).receiptId();
                assertThat(outcomes).filteredOn(ChargeResult.Replayed.class::isInstance)
                        .hasSize(threads - 1)
                        .allSatisfy(r -> assertThat(((ChargeResult.Replayed) r).receiptId()).isEqualTo(receipt));
            }
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000_000 - 20 * 10);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aScripThatCannotPayKeepsNoIdentifierAndWritesNothing() throws Exception {
        ScripAccount scrip = scrip("h", 50);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.charge(scrip, 100, "/x", ID)).isEqualTo(new ChargeResult.Insufficient(50));
            assertThat(ledger.charge(scrip, 100, "/x", ID)).isEqualTo(new ChargeResult.Insufficient(50));
        }
        assertThat(LedgerFixtures.charges(file())).isEmpty();
    }

    @Test
    void anIdentifierIsReplayedAFewTimesAndThenChargedAgain() throws Exception {
        // A replay runs the app again: without a bound, one payment would buy a dynamic answer (a quote, a search)
        // as often as the buyer asks for 10 minutes.
        ScripAccount scrip = scrip("i", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult.Charged first = charged(ledger.charge(scrip, 100, "/quote", ID));
            for (int i = 0; i < PaymentIds.MAX_REPLAYS; i++) {
                assertThat(ledger.charge(scrip, 100, "/quote", ID)).as("replay %d", i)
                        .isEqualTo(new ChargeResult.Replayed(first.receiptId(), 100, 900));
            }

            ChargeResult.Charged again = charged(ledger.charge(scrip, 100, "/quote", ID));

            assertThat(ledger.charge(scrip, 100, "/quote", ID))
                    .isEqualTo(new ChargeResult.Replayed(again.receiptId(), 100, 800));
            assertThat(ledger.refund(first.receiptId())).as("replays got content on it").isFalse();
            assertThat(ledger.remaining(scrip)).isEqualTo(800);
        }
    }

    @Test
    void aReplayedChargeIsNotRefundedOnceTheChargeAfterItsLastReplayWasRefunded() throws Exception {
        ScripAccount scrip = scrip("j", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChargeResult.Charged first = charged(ledger.charge(scrip, 100, "/quote", ID));
            for (int i = 0; i < PaymentIds.MAX_REPLAYS; i++) {
                assertThat(ledger.charge(scrip, 100, "/quote", ID)).isInstanceOf(ChargeResult.Replayed.class);
            }
            ChargeResult.Charged again = charged(ledger.charge(scrip, 100, "/quote", ID));
            assertThat(ledger.refund(again.receiptId())).as("no replay served it").isTrue();

            assertThat(ledger.refund(first.receiptId())).as("8 replays got content on it").isFalse();
            assertThat(ledger.remaining(scrip)).isEqualTo(900);
        }
    }

    @Test
    void theIdentifiersKeptAreBoundedByFourTimesTheStateCapacity() throws Exception {
        // Every id a buyer chooses for a paid charge is kept for 10 minutes: memory is bounded whatever the buyer
        // sends (docs/LEDGER.md "Bounds": 4 x stateCapacity, 262,144 by default).
        ScripAccount scrip = scrip("bound", 1_000_000);
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE,
                LedgerTuning.DEFAULTS.withStateCapacity(4))) {
            for (int i = 0; i < 200; i++) {
                charged(ledger.charge(scrip, 1, "/x", ID + "-" + i));
            }
            assertThat(ledger.keptPaymentIds()).isLessThanOrEqualTo(16);
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000_000 - 200);
        }
    }
}
