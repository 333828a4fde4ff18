package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.scrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streams: one charge buys an entitlement to a stream for a window ({@link Ledger#chargeStream}). */
final class SqliteLedgerStreamTest {

    private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
    private static final Instant UNTIL = T0.plus(Duration.ofHours(4));
    private static final String VIDEO = "/videos/42";

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    /** A second scrip of the same buyer as {@code scrip(jti)}. */
    private static ScripAccount sameBuyer(ScripAccount of, String jti, long budget) {
        return new ScripAccount(of.issuer(), jti, of.buyer(), of.seller(), budget, of.currency(), of.expiresAt());
    }

    private static String receipt(ChargeResult result) {
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return ((ChargeResult.Charged) result).receiptId();
    }

    @Test
    void aStreamIsChargedOnceThenEntitledWithinTheWindow() throws Exception {
        ScripAccount scrip = scrip("s1", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String receipt = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL));

            ChargeResult again = ledger.chargeStream(scrip, 300, VIDEO, T0.plusSeconds(60), UNTIL.plusSeconds(60));
            ChargeResult last = ledger.chargeStream(scrip, 300, VIDEO, UNTIL.minusMillis(1), UNTIL.plusSeconds(99));

            assertThat(again).isEqualTo(new ChargeResult.Entitled(receipt, UNTIL, 700));
            assertThat(last).isEqualTo(new ChargeResult.Entitled(receipt, UNTIL, 700));
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(1);
    }

    @Test
    void aStreamIsChargedAgainAtAndAfterTheEndOfTheWindow() throws Exception {
        ScripAccount scrip = scrip("s2", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String first = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL));

            String second = receipt(ledger.chargeStream(scrip, 300, VIDEO, UNTIL, UNTIL.plus(Duration.ofHours(4))));
            ChargeResult within = ledger.chargeStream(scrip, 300, VIDEO, UNTIL.plusSeconds(1), UNTIL.plusSeconds(2));
            String third = receipt(ledger.chargeStream(scrip, 300, VIDEO, UNTIL.plus(Duration.ofHours(5)),
                    UNTIL.plus(Duration.ofHours(6))));

            assertThat(second).isNotEqualTo(first);
            assertThat(within).isEqualTo(new ChargeResult.Entitled(second, UNTIL.plus(Duration.ofHours(4)), 400));
            assertThat(third).isNotEqualTo(second);
            assertThat(ledger.remaining(scrip)).isEqualTo(100);
        }
    }

    @Test
    void anotherBuyerIsChargedForTheSameStream() throws Exception {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            receipt(ledger.chargeStream(scrip("a", 1_000), 300, VIDEO, T0, UNTIL));

            ChargeResult other = ledger.chargeStream(scrip("b", 1_000), 300, VIDEO, T0, UNTIL);

            assertThat(other).isInstanceOf(ChargeResult.Charged.class);
            assertThat(ledger.remaining(scrip("b", 1_000))).isEqualTo(700);
        }
    }

    @Test
    void theSameBuyerIsEntitledWithOtherScripAndSeesThatScripsBudget() throws Exception {
        ScripAccount first = scrip("c", 1_000);
        ScripAccount second = sameBuyer(first, "c2", 500);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String receipt = receipt(ledger.chargeStream(first, 300, VIDEO, T0, UNTIL));

            ChargeResult result = ledger.chargeStream(second, 300, VIDEO, T0.plusSeconds(1), UNTIL.plusSeconds(1));

            assertThat(result).isEqualTo(new ChargeResult.Entitled(receipt, UNTIL, 500));
            assertThat(ledger.chargeStream(second, 300, "/videos/43", T0, UNTIL))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void aStreamThatTheBudgetCannotCoverEntitlesNothing() throws Exception {
        ScripAccount scrip = scrip("poor", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL)).isEqualTo(new ChargeResult.Insufficient(100));
            assertThat(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL)).isEqualTo(new ChargeResult.Insufficient(100));
        }
        assertThat(LedgerFixtures.charges(file())).isEmpty();
    }

    @Test
    void concurrentFirstRequestsOfOneStreamChargeOnce() throws Exception {
        ScripAccount scrip = scrip("race", 1_000_000);
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            for (int round = 0; round < 5; round++) {
                String stream = "/videos/race-" + round;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<ChargeResult>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return ledger.chargeStream(scrip, 1_000, stream, T0, UNTIL);
                    }));
                }
                start.countDown();
                List<String> charged = new ArrayList<>();
                List<String> entitledTo = new ArrayList<>();
                for (Future<ChargeResult> result : results) {
                    ChargeResult r = result.get(30, TimeUnit.SECONDS);
                    if (r instanceof ChargeResult.Charged c) {
                        charged.add(c.receiptId());
                    } else {
                        entitledTo.add(((ChargeResult.Entitled) r).receiptId());
                    }
                }
                assertThat(charged).as("charges in round %d", round).hasSize(1);
                assertThat(entitledTo).hasSize(threads - 1).containsOnly(charged.get(0));
            }
            assertThat(ledger.remaining(scrip)).isEqualTo(1_000_000 - 5 * 1_000);
        } finally {
            pool.shutdownNow();
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(5);
    }

    @Test
    void aRefundRevokesTheEntitlement() throws Exception {
        ScripAccount scrip = scrip("r", 1_000);
        String second;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String first = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL));

            assertThat(ledger.refund(first)).isTrue();

            second = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0.plusSeconds(1), UNTIL));
            assertThat(second).isNotEqualTo(first);
            assertThat(ledger.remaining(scrip)).isEqualTo(700);
            assertThat(ledger.refund(second)).isTrue();
        }
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            assertThat(reopened.chargeStream(scrip, 300, VIDEO, T0.plusSeconds(2), UNTIL))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void aRefundRevokesAnEntitlementFoundInSqlite() throws Exception {
        ScripAccount scrip = scrip("rs", 1_000);
        String first;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            first = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL));
        }
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            assertThat(reopened.refund(first)).isTrue();

            assertThat(reopened.chargeStream(scrip, 300, VIDEO, T0, UNTIL)).isInstanceOf(ChargeResult.Charged.class);
        }
    }

    @Test
    void aFirstRequestWhoseEntitlementAnotherRequestUsedIsNotRefunded() throws Exception {
        ScripAccount scrip = scrip("used", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String first = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL));
            assertThat(ledger.chargeStream(scrip, 300, VIDEO, T0.plusSeconds(1), UNTIL))
                    .as("a segment request passes while the first request still runs")
                    .isEqualTo(new ChargeResult.Entitled(first, UNTIL, 700));

            assertThat(ledger.refund(first)).as("the buyer got content on it: the charge stands").isFalse();

            assertThat(ledger.remaining(scrip)).isEqualTo(700);
            assertThat(ledger.chargeStream(scrip, 300, VIDEO, T0.plusSeconds(2), UNTIL))
                    .isEqualTo(new ChargeResult.Entitled(first, UNTIL, 700));
        }
    }

    @Test
    void anEntitlementSurvivesCloseAndReopen() throws Exception {
        ScripAccount scrip = scrip("p", 1_000);
        String receipt;
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            receipt = receipt(ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL));
        }
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            assertThat(reopened.chargeStream(sameBuyer(scrip, "p2", 50), 300, VIDEO, T0.plusSeconds(5), UNTIL))
                    .isEqualTo(new ChargeResult.Entitled(receipt, UNTIL, 50));
            assertThat(reopened.chargeStream(scrip, 300, VIDEO, UNTIL, UNTIL.plusSeconds(10)))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(2);
    }

    @Test
    void entitlementsOutOfTheCacheAndNotYetFoldedInAreStillHonoured() throws Exception {
        // A cache of one entitlement and a materializer that never runs: lookups go to the unfolded journal.
        LedgerTuning tuning = LedgerTuning.DEFAULTS.withStateCapacity(1)
                .withMaterializeIntervalMillis(600_000).withMaterializeBatch(1 << 20);
        List<String> receipts = new ArrayList<>();
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE, tuning)) {
            for (int i = 0; i < 20; i++) {
                receipts.add(receipt(ledger.chargeStream(scrip("u" + i, 1_000), 10, VIDEO, T0, UNTIL)));
            }
            for (int i = 0; i < 20; i++) {
                assertThat(ledger.chargeStream(scrip("u" + i, 1_000), 10, VIDEO, T0.plusSeconds(1), UNTIL))
                        .isEqualTo(new ChargeResult.Entitled(receipts.get(i), UNTIL, 990));
            }
            assertThat(ledger.refund(receipts.get(3))).isTrue();
            assertThat(ledger.chargeStream(scrip("u3", 1_000), 10, VIDEO, T0.plusSeconds(2), UNTIL))
                    .isInstanceOf(ChargeResult.Charged.class);
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(21);
    }

    @Test
    void anEntitlementMustEndAfterNow() {
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThatThrownBy(() -> ledger.chargeStream(scrip("e", 10), 1, VIDEO, T0, T0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be after now");
        }
    }

    @Test
    void streamChargesAreSettledLikeOtherCharges() throws Exception {
        ScripAccount scrip = scrip("settle", 1_000);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL);
            ledger.chargeStream(scrip, 300, VIDEO, T0, UNTIL);

            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(LedgerFixtures.ISSUER, "settle", 300, 0));
        }
    }
}
