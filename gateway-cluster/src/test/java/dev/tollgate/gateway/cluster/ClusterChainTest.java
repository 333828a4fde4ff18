package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.PayWordPaymentTest;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.Poll;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PayWord payments over three real gateway nodes on one real redis-server: a word may reach any node, in any order,
 * concurrently, and pays once cluster-wide.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterChainTest {

    /** What one word is worth ({@link PayWordBuyer}'s default unit), and what {@code /videos/**} costs. */
    private static final long UNIT = 10_000;

    @TempDir
    Path dir;
    private TestCluster cluster;
    private PayWordBuyer buyer;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.start(dir, PayWordPaymentTest.RULES);
        buyer = new PayWordBuyer(cluster.broker);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private GatewayNode.Answer pay(int node, String payment) throws Exception {
        return cluster.node(node).pay("/videos/clip", payment);
    }

    @Test
    void wordsSentInShuffledOrderConcurrentlyToAllNodesAreEachCreditedOnce() throws Exception {
        int words = 40; // within max-step (50) of every head they can meet
        List<Integer> order = new ArrayList<>();
        for (int i = 1; i <= words; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(11));
        List<String> payments = new ArrayList<>();
        for (int i = 1; i <= words; i++) {
            payments.add(buyer.payWithCommitment(i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<GatewayNode.Answer>> sent = new ArrayList<>();
        for (int n = 0; n < words; n++) {
            int node = n % 3;
            String payment = payments.get(order.get(n) - 1);
            sent.add(pool.submit(() -> {
                GatewayNode.Answer answer = pay(node, payment);
                while (answer.isError(503, "ledger_unavailable") || answer.isError(503, "budget_busy")) {
                    answer = pay(node, payment); // the chain stayed busy: nothing was charged, the client retries
                }
                return answer;
            }));
        }
        List<String> receipts = new ArrayList<>();
        for (Future<GatewayNode.Answer> one : sent) {
            GatewayNode.Answer answer = one.get();
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            receipts.add(answer.receipt());
        }
        pool.shutdown();
        assertThat(receipts).hasSize(words).doesNotHaveDuplicates();

        GatewayNode.Answer replayed = pay(1, payments.get(words - 1));
        assertThat(replayed.status()).as("every word is spent: " + replayed).isEqualTo(402);
        assertThat(spentOverNodes()).as("each word credited once").isEqualTo(words * UNIT);
    }

    @Test
    void aWordPaidOnOneNodeIsRefusedOnTheOthersAndTheCommitmentTravelsThroughRedis() throws Exception {
        assertThat(pay(0, buyer.payWithCommitment(1)).status()).isEqualTo(200);
        GatewayNode.Answer replayed = pay(1, buyer.payWithCommitment(1));
        assertThat(replayed.status()).as(replayed.toString()).isEqualTo(402);
        assertThat(replayed.contentType()).startsWith("application/json");

        GatewayNode.Answer byId = pay(2, buyer.payById(2));
        assertThat(byId.status()).as("node c never saw the commitment: " + byId).isEqualTo(200);
        assertThat(pay(0, buyer.payById(2)).status()).isEqualTo(402);
        assertThat(pay(1, buyer.payById(1)).status()).isEqualTo(402);
        assertThat(spentOverNodes()).isEqualTo(2 * UNIT);
    }

    @Test
    void withRedisDownAPaymentFailsClosedWithJsonAndPaysOnceRedisIsBack() throws Exception {
        assertThat(pay(0, buyer.payWithCommitment(1)).status()).isEqualTo(200);
        cluster.redis.kill();
        for (int node = 0; node < 3; node++) {
            GatewayNode.Answer refused = pay(node, buyer.payWithCommitment(2));
            assertThat(refused.isError(503, "ledger_unavailable")).as(refused.toString()).isTrue();
        }
        cluster.redis.start();
        Poll.until("the chain is paid again", () -> pay(1, buyer.payWithCommitment(2)).status() == 200);
        assertThat(spentOverNodes()).isEqualTo(2 * UNIT);
    }

    /** Stops the nodes; what their ledgers hold spent on the buyer's chain in all. */
    private long spentOverNodes() throws Exception {
        long spent = 0;
        for (Path node : cluster.stopNodes()) {
            try (SqliteLedger ledger = SqliteLedger.open(GatewayNode.ledgerFile(node))) {
                for (ChainTotal chain : ledger.unsettledChains(100)) {
                    if (chain.commitmentId().equals(buyer.commitmentId())) {
                        spent += chain.spentMicros();
                    }
                }
            }
        }
        return spent;
    }
}
