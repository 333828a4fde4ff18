package dev.tollgate.gateway.cluster;

import static dev.tollgate.gateway.cluster.GatewayNode.PRICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real gateway nodes (Jetty, the filter, each its own ledger file) on one real redis-server (AOF on), paid over
 * HTTP on one scrip: never more than its budget in all, exactly what the receipts say, 503 JSON where Redis is needed
 * and down, and by themselves working again when it returns.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterGatewayTest {

    @TempDir
    Path dir;
    private TestCluster cluster;
    private RedisServer redis;
    private TestBroker broker;
    private List<GatewayNode> nodes;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.start(dir, GatewayHarness.RULES);
        redis = cluster.redis;
        broker = cluster.broker;
        nodes = cluster.nodes;
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private String payment(String jti, long budget) {
        return GatewayHarness.paymentHeader(broker.scrip().jti(jti).budget(Long.toString(budget))
                .expiresAt(Instant.now().plus(Duration.ofHours(1))).sign(), PRICE);
    }

    /** {@code count} payments spread over the nodes from 16 threads at once; the answers by node. */
    private Map<GatewayNode, Queue<GatewayNode.Answer>> payConcurrently(String payment, int count) throws Exception {
        Map<GatewayNode, Queue<GatewayNode.Answer>> answers = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            GatewayNode node = nodes.get(i % nodes.size());
            sent.add(pool.submit(() -> answers.computeIfAbsent(node, n -> new ConcurrentLinkedQueue<>())
                    .add(node.pay(payment))));
        }
        for (Future<?> one : sent) {
            one.get();
        }
        pool.shutdown();
        return answers;
    }

    @Test
    void aThousandConcurrentChargesOverThreeNodesChargeNoMoreThanTheBudgetAndExactlyWhatTheReceiptsSay()
            throws Exception {
        long budget = 400 * PRICE;
        Map<GatewayNode, Queue<GatewayNode.Answer>> answers = payConcurrently(payment("shared", budget), 1000);

        List<String> receipts = new ArrayList<>();
        answers.values().forEach(queue -> queue.forEach(answer -> {
            if (answer.status() == 200) {
                receipts.add(answer.receipt());
            } else {
                assertThat(answer.isError(402, "insufficient_budget") || answer.isError(503, "budget_busy")
                        && "1".equals(answer.retryAfter())).as(answer.toString()).isTrue();
            }
        }));
        assertThat(receipts).doesNotHaveDuplicates().isNotEmpty();
        assertThat(receipts.size() * PRICE).isLessThanOrEqualTo(budget);
        long charged = closeAndCheckLedgers("shared", receipts);
        assertThat(charged).as("charged over the nodes").isEqualTo(receipts.size() * PRICE);
        assertThat(redisStatus("shared").usedMicros()).as("reported to Redis").isEqualTo(charged);
    }

    @Test
    void withEnoughBudgetEveryOneOfAThousandConcurrentChargesOverThreeNodesSucceeds() throws Exception {
        Map<GatewayNode, Queue<GatewayNode.Answer>> answers = payConcurrently(payment("ample", 2000 * PRICE), 1000);

        List<String> receipts = new ArrayList<>();
        answers.forEach((node, queue) -> {
            assertThat(queue).as("answers of one node").hasSizeGreaterThanOrEqualTo(333)
                    .allSatisfy(answer -> assertThat(answer.status()).as(answer.toString()).isEqualTo(200));
            queue.forEach(answer -> receipts.add(answer.receipt()));
        });
        assertThat(receipts).hasSize(1000).doesNotHaveDuplicates();
        assertThat(closeAndCheckLedgers("ample", receipts)).isEqualTo(1000 * PRICE);
        BudgetStatus status = redisStatus("ample");
        assertThat(status.usedMicros()).isEqualTo(1000 * PRICE);
        assertThat(status.heldMicros()).as("every slice handed back at shutdown").isEqualTo(1000 * PRICE);
    }

    @Test
    void aNodeRefusedWhileAnotherHoldsTheRestAnswersBudgetBusyUntilTheIdleSliceIsHandedBack() throws Exception {
        String payment = payment("split", 10 * PRICE);
        GatewayNode a = nodes.get(0);
        GatewayNode b = nodes.get(1);
        assertThat(a.pay(payment).status()).as("a leases a slice larger than one charge").isEqualTo(200);
        GatewayNode.Answer refused;
        do {
            refused = b.pay(payment);
        } while (refused.status() == 200);

        assertThat(refused.isError(503, "budget_busy")).as(refused.toString()).isTrue();
        assertThat(refused.retryAfter()).isEqualTo("1");
        Poll.until("a hands back its idle slice and b charges the rest", () -> b.pay(payment).status() == 200);
        GatewayNode.Answer spent = b.pay(payment);
        while (spent.status() == 200) {
            spent = b.pay(payment);
        }
        assertThat(spent.isError(402, "insufficient_budget")).as(spent.toString()).isTrue();
        assertThat(closeAndCheckLedgers("split", List.of())).isEqualTo(10 * PRICE);
    }

    @Test
    void redisDownFailsClosedWithJsonWhereItIsNeededLosesNothingAcknowledgedAndTheNodesRecoverByThemselves()
            throws Exception {
        long budget = 100_000 * PRICE;
        String payment = payment("busy", budget);
        Queue<GatewayNode.Answer> answers = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> load = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GatewayNode node = nodes.get(i % nodes.size());
            load.add(pool.submit(() -> {
                while (!stop.get()) {
                    answers.add(node.pay(payment));
                }
                return null;
            }));
        }
        Poll.until("100 charges", () -> answers.stream().filter(a -> a.status() == 200).count() >= 100);

        redis.kill();
        for (GatewayNode node : nodes) {
            String fresh = payment("new-while-down-" + node.dir.getFileName(), budget);
            Poll.until("a charge needing Redis fails closed at " + node.dir, () -> {
                GatewayNode.Answer answer = node.pay(fresh);
                assertThat(answer.status()).as("nothing passes unrecorded: " + answer).isNotEqualTo(200);
                return answer.isError(503, "ledger_unavailable") && answer.retryAfter() != null;
            });
        }
        redis.start();
        for (GatewayNode node : nodes) {
            String fresh = payment("new-after-" + node.dir.getFileName(), budget);
            Poll.until("charges needing Redis work again at " + node.dir, () -> node.pay(fresh).status() == 200);
        }
        long paidBefore = answers.stream().filter(a -> a.status() == 200).count();
        Poll.until("the shared scrip is charged again", () -> answers.stream().filter(a -> a.status() == 200)
                .count() > paidBefore);
        stop.set(true);
        for (Future<?> one : load) {
            one.get();
        }
        pool.shutdown();

        List<String> receipts = new ArrayList<>();
        for (GatewayNode.Answer answer : answers) {
            if (answer.status() == 200) {
                receipts.add(answer.receipt());
            } else {
                assertThat(answer.isError(503, "ledger_unavailable")).as(answer.toString()).isTrue();
            }
        }
        long charged = closeAndCheckLedgers("busy", receipts);
        assertThat(charged).isEqualTo(receipts.size() * PRICE);
        BudgetStatus status = redisStatus("busy");
        assertThat(status.usedMicros()).isEqualTo(charged);
        assertThat(status.heldMicros()).isEqualTo(charged);
    }

    /**
     * Stops every node, then checks each receipt is a charge of the price on the scrip in some node's ledger.
     *
     * @return what the nodes' ledgers hold charged on the scrip in all
     */
    private long closeAndCheckLedgers(String jti, List<String> receipts) throws Exception {
        long charged = 0;
        List<String> found = new ArrayList<>();
        for (Path node : cluster.stopNodes()) {
            try (SqliteLedger ledger = SqliteLedger.open(GatewayNode.ledgerFile(node))) {
                charged += ledger.chargedMicros(TestBroker.ISSUER, jti);
                for (String receipt : receipts) {
                    if (receipt.contains(ledger.databaseId())) {
                        assertThat(ledger.scripCharge(receipt)).as(receipt)
                                .contains(new SqliteLedger.ScripCharge(TestBroker.ISSUER, jti, PRICE));
                        found.add(receipt);
                    }
                }
            }
        }
        assertThat(found).as("every receipt is in a node's ledger").hasSameSizeAs(receipts);
        return charged;
    }

    private BudgetStatus redisStatus(String jti) throws Exception {
        try (BudgetLeases observer = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            return observer.status(new ScripId(TestBroker.ISSUER, jti));
        }
    }
}
