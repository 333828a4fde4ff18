package dev.tollgate.gateway.ledger;

import static dev.tollgate.gateway.ledger.LedgerFixtures.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PayWord chains in the ledger: heads, credit, refunds, restart and settlement ({@link Ledger#chargeChain}). */
final class SqliteLedgerChainTest {

    private static final long UNIT = 10;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("ledger.db");
    }

    static ChainAccount chain(String id, int length) {
        return new ChainAccount(ISSUER, id, "jws-of-" + id, "buyer-" + id, "seller-1", length, UNIT, "EUR",
                Instant.parse("2030-01-01T00:00:00Z"), LedgerKillChild.word(0), "cert-" + id, length * UNIT,
                "jti-" + id);
    }

    private static byte[] w(int index) {
        return LedgerKillChild.word(index);
    }

    private static ChargeResult.Charged charged(ChargeResult result) {
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return (ChargeResult.Charged) result;
    }

    @Test
    void anUnknownChainHasItsRootAsHeadAndIsNotRecorded() throws Exception {
        ChainAccount chain = chain("c0", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            assertThat(ledger.chainHead(chain)).isEqualTo(new ChainHead(0, w(0), 0, 0));
            assertThat(ledger.commitment(ISSUER, "c0")).isEmpty();
            assertThat(ledger.unsettledChains(10)).isEmpty();
        }
    }

    @Test
    void theFirstPaymentMovesTheHeadAndChargesFromItsCredit() throws Exception {
        ChainAccount chain = chain("c1", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChainHead root = ledger.chainHead(chain);

            ChargeResult.Charged first = charged(ledger.chargeChain(chain, root, 3, w(3), 25, "/live/1"));

            assertThat(first.amountMicros()).isEqualTo(25);
            assertThat(first.remainingMicros()).isEqualTo(5);
            assertThat(ledger.chainHead(chain)).isEqualTo(new ChainHead(3, w(3), 30, 25));
            assertThat(ledger.commitment(ISSUER, "c1")).contains("jws-of-c1");
        }
        assertThat(LedgerFixtures.charges(file()).values())
                .containsExactly(new LedgerFixtures.StoredCharge(ISSUER, "c1", 25, false));
    }

    @Test
    void aLaterWordAdvancesTheHead() throws Exception {
        ChainAccount chain = chain("c2", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 1, w(1), 10, "/live/1"));

            ChargeResult.Charged second = charged(ledger.chargeChain(chain, ledger.chainHead(chain), 2, w(2), 10,
                    "/live/2"));

            assertThat(second.remainingMicros()).isZero();
            assertThat(ledger.chainHead(chain)).isEqualTo(new ChainHead(2, w(2), 20, 20));
        }
    }

    @Test
    void aStaleHeadIsAnsweredWithTheCurrentOneAndChangesNothing() throws Exception {
        ChainAccount chain = chain("c3", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChainHead root = ledger.chainHead(chain);
            charged(ledger.chargeChain(chain, root, 2, w(2), 10, "/live/1"));
            ChainHead current = ledger.chainHead(chain);

            ChargeResult moved = ledger.chargeChain(chain, root, 4, w(4), 10, "/live/2");

            assertThat(moved).isEqualTo(new ChargeResult.HeadMoved(current));
            assertThat(moved.remainingMicros()).isEqualTo(10);
            assertThat(ledger.chainHead(chain)).isEqualTo(current);
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(1);
    }

    @Test
    void aPaymentThatWouldNotCoverTheAmountMovesNothing() throws Exception {
        ChainAccount chain = chain("c4", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 1, w(1), 5, "/live/1"));
            ChainHead head = ledger.chainHead(chain);

            assertThat(ledger.chargeChain(chain, head, 2, w(2), 16, "/live/2"))
                    .isEqualTo(new ChargeResult.Insufficient(5));
            assertThat(ledger.chargeChain(chain, head, 1, w(1), 6, "/live/2"))
                    .isEqualTo(new ChargeResult.Insufficient(5));

            assertThat(ledger.chainHead(chain)).isEqualTo(head);
        }
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            assertThat(reopened.chainHead(chain)).isEqualTo(new ChainHead(1, w(1), 10, 5));
        }
        assertThat(LedgerFixtures.charges(file())).hasSize(1);
    }

    @Test
    void aWordAtOrBelowTheHeadOnlyConsumesCredit() throws Exception {
        ChainAccount chain = chain("c5", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 5, w(5), 10, "/live/1"));
            ChainHead head = ledger.chainHead(chain);

            ChargeResult.Charged retry = charged(ledger.chargeChain(chain, head, 5, w(5), 10, "/live/2"));
            ChargeResult.Charged overtaken = charged(ledger.chargeChain(chain, head, 3, w(3), 30, "/live/3"));

            assertThat(retry.remainingMicros()).isEqualTo(30);
            assertThat(overtaken.remainingMicros()).isZero();
            assertThat(ledger.chainHead(chain)).isEqualTo(new ChainHead(5, w(5), 50, 50));
            assertThat(ledger.chargeChain(chain, head, 4, w(4), 1, "/live/4"))
                    .isEqualTo(new ChargeResult.Insufficient(0));
        }
    }

    @Test
    void aRefundReturnsTheAmountToTheCreditAndTheHeadStays() throws Exception {
        ChainAccount chain = chain("c6", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            String receipt = charged(ledger.chargeChain(chain, ledger.chainHead(chain), 2, w(2), 20, "/live/1"))
                    .receiptId();

            assertThat(ledger.refund(receipt)).isTrue();
            assertThat(ledger.refund(receipt)).isFalse();

            assertThat(ledger.chainHead(chain)).isEqualTo(new ChainHead(2, w(2), 20, 0));
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 2, w(2), 20, "/live/2"));
        }
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            assertThat(reopened.chainHead(chain)).isEqualTo(new ChainHead(2, w(2), 20, 20));
        }
        assertThat(LedgerFixtures.charges(file()).values()).containsExactlyInAnyOrder(
                new LedgerFixtures.StoredCharge(ISSUER, "c6", 20, true),
                new LedgerFixtures.StoredCharge(ISSUER, "c6", 20, false));
    }

    @Test
    void concurrentPaymentsNeverSpendMoreThanWasPaidAndTheHeadEndsAtTheHighestIndex() throws Exception {
        ChainAccount chain = chain("race", 1_000_000);
        int threads = 16;
        int paymentsPerThread = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<int[]>> results = new ArrayList<>();
        try (SqliteLedger ledger = SqliteLedger.open(file(), SqliteLedger.Durability.PROCESS_CRASH_SAFE)) {
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int charges = 0;
                    int highest = 0;
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < paymentsPerThread; i++) {
                        ChainHead head = ledger.chainHead(chain);
                        // Mostly one word ahead, sometimes two, sometimes an old word: charges a unit of credit.
                        int index = Math.max(1, head.index() + random.nextInt(-1, 3));
                        ChargeResult r = ledger.chargeChain(chain, head, index, w(index), UNIT, "/live/" + i);
                        if (r instanceof ChargeResult.Charged) {
                            charges++;
                            highest = Math.max(highest, index);
                        }
                    }
                    return new int[] {charges, highest};
                }));
            }
            start.countDown();
            long charged = 0;
            int highest = 0;
            for (Future<int[]> result : results) {
                int[] r = result.get(60, TimeUnit.SECONDS);
                charged += r[0] * UNIT;
                highest = Math.max(highest, r[1]);
            }
            ChainHead head = ledger.chainHead(chain);
            assertThat(head.index()).isEqualTo(highest);
            assertThat(head.word()).isEqualTo(w(highest));
            assertThat(head.spentMicros()).isEqualTo(charged).isLessThanOrEqualTo(head.paidMicros());
        } finally {
            pool.shutdownNow();
        }
        long stored = LedgerFixtures.charges(file()).values().stream().mapToLong(LedgerFixtures.StoredCharge::amount)
                .sum();
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            ChainHead head = reopened.chainHead(chain);
            assertThat(head.spentMicros()).isEqualTo(stored).isLessThanOrEqualTo(head.paidMicros());
        }
    }

    @Test
    void aRestartKeepsTheHeadAndWhatWasSpent() throws Exception {
        ChainAccount chain = chain("c7", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 7, w(7), 45, "/live/1"));
        }
        try (SqliteLedger reopened = SqliteLedger.open(file())) {
            ChainHead head = reopened.chainHead(chain);
            assertThat(head).isEqualTo(new ChainHead(7, w(7), 70, 45));
            assertThat(reopened.commitment(ISSUER, "c7")).contains("jws-of-c7");
            charged(reopened.chargeChain(chain, head, 9, w(9), 45, "/live/2"));
            assertThat(reopened.chainHead(chain)).isEqualTo(new ChainHead(9, w(9), 90, 90));
        }
    }

    @Test
    void chainsSettleWhatTheirRequestsConsumedAndNeverBackwards() throws Exception {
        ChainAccount chain = chain("s1", 100); // unit 10
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            // Words up to 4 paid 40; requests consumed 10 + 15, one of 5 was refunded.
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 4, w(4), 10, "/live/1"));
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 4, w(4), 15, "/live/2"));
            String refunded = ((ChargeResult.Charged) ledger.chargeChain(chain, ledger.chainHead(chain), 4, w(4), 5,
                    "/live/3")).receiptId();
            ledger.refund(refunded);

            assertThat(ledger.unsettledChains(10)).singleElement().satisfies(total -> {
                assertThat(total.issuer()).isEqualTo(ISSUER);
                assertThat(total.commitmentId()).isEqualTo("s1");
                assertThat(total.commitment()).isEqualTo("jws-of-s1");
                assertThat(total.index()).isEqualTo(4);
                assertThat(total.word()).isEqualTo(w(4));
                assertThat(total.spentMicros()).as("consumed, not paid").isEqualTo(25);
                assertThat(total.settledMicros()).isZero();
            });
            ledger.markChainSettled(ISSUER, "s1", 10, 4);
            assertThat(ledger.unsettledChains(10)).singleElement()
                    .satisfies(total -> assertThat(total.settledMicros()).isEqualTo(10));
            ledger.markChainSettled(ISSUER, "s1", 25, 4);
            ledger.markChainSettled(ISSUER, "s1", 10, 2); // a reply to an older batch: ignored
            assertThat(ledger.unsettledChains(10)).as("the 15 paid ahead are not owed").isEmpty();

            assertThatThrownBy(() -> ledger.markChainSettled(ISSUER, "s1", 25, 5))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond the head 4");
            assertThatThrownBy(() -> ledger.markChainSettled(ISSUER, "s1", 41, 4))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond the 40");
            assertThatThrownBy(() -> ledger.markChainSettled(ISSUER, "unknown", 1, 1))
                    .isInstanceOf(IllegalArgumentException.class);

            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 6, w(6), 10, "/live/4"));
            assertThat(ledger.unsettledChains(10)).singleElement().satisfies(total -> {
                assertThat(total.index()).isEqualTo(6);
                assertThat(total.spentMicros()).isEqualTo(35);
                assertThat(total.settledMicros()).isEqualTo(25);
            });
        }
        try (Connection c = LedgerFixtures.connect(file());
             ResultSet rs = c.createStatement().executeQuery("SELECT settled, settled_index FROM chains")) {
            assertThat(rs.getLong(1)).isEqualTo(25);
            assertThat(rs.getInt(2)).isEqualTo(4);
        }
    }

    @Test
    void chainChargesAreNotScripClaimsButCountAsRevenuePerResource() throws Exception {
        ChainAccount chain = chain("r1", 100);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ledger.charge(LedgerFixtures.scrip("plain", 1_000), 100, "/articles/1");
            charged(ledger.chargeChain(chain, ledger.chainHead(chain), 3, w(3), 30, "/live/1"));

            assertThat(ledger.unsettled(10)).containsExactly(new ScripTotal(ISSUER, "plain", 100, 0));
        }
        Map<String, Long> revenue = new HashMap<>();
        try (Connection c = LedgerFixtures.connect(file());
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT resource, SUM(amount) FROM receipts WHERE refunded_at IS NULL GROUP BY resource")) {
            while (rs.next()) {
                revenue.put(rs.getString(1), rs.getLong(2));
            }
        }
        assertThat(revenue).containsExactlyInAnyOrderEntriesOf(Map.of("/articles/1", 100L, "/live/1", 30L));
    }

    @Test
    void anIndexOutsideTheChainIsRejected() {
        ChainAccount chain = chain("x", 10);
        try (SqliteLedger ledger = SqliteLedger.open(file())) {
            ChainHead root = new ChainHead(0, w(0), 0, 0);
            assertThatThrownBy(() -> ledger.chargeChain(chain, root, 11, w(11), 1, "/x"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 1..10");
            assertThatThrownBy(() -> ledger.chargeChain(chain, root, 0, w(0), 1, "/x"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ledger.chargeChain(chain, root, 1, new byte[31], 1, "/x"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
