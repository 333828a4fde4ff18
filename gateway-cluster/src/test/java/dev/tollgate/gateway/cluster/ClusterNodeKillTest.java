package dev.tollgate.gateway.cluster;

import static dev.tollgate.gateway.cluster.GatewayNode.PRICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway node in a child process, charging one scrip with two nodes in this JVM on one real redis-server, is
 * killed with SIGKILL mid-load: every charge it acknowledged is in its ledger, its unused slice returns when it
 * restarts, and the nodes then charge exactly the whole budget, not a micro-unit more.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterNodeKillTest {

    private static final String JTI = "killed-mid-load";

    @TempDir
    Path dir;

    @Test
    void aNodeKilledMidLoadLosesNoAcknowledgedChargeAndItsUnusedSliceReturnsOnRestart() throws Exception {
        long budget = 3000 * PRICE;
        TestBroker broker = new TestBroker();
        try (RedisServer redis = RedisServer.start(dir);
             JwksServer jwks = JwksServer.start(broker::jwksJson)) {
            String config = GatewayNode.config(jwks.jwksUri(), redis);
            String payment = GatewayHarness.paymentHeader(broker.scrip().jti(JTI).budget(Long.toString(budget))
                    .expiresAt(Instant.now().plus(Duration.ofHours(1))).sign(), PRICE);
            Path killedDir = dir.resolve("killed");
            GatewayNode a = GatewayNode.start(dir.resolve("a"), config);
            GatewayNode b = GatewayNode.start(dir.resolve("b"), config);
            Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
            Process child = GatewayNode.startChild(killedDir, config);
            try {
                int port = GatewayNode.portOf(child);
                AtomicBoolean killed = new AtomicBoolean();
                List<Thread> load = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    load.add(started(() -> payUntilKilled(port, payment, acknowledged, killed)));
                }
                load.add(started(() -> payUntilKilled(a, payment, killed)));
                Poll.until("200 charges acknowledged by the child", () -> acknowledged.size() >= 200);
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                killed.set(true);
                for (Thread thread : load) {
                    thread.join();
                }
            } finally {
                child.destroyForcibly();
            }
            String killedId = GatewayNode.nodeId(killedDir);
            BudgetStatus.NodeRow stranded = status(redis).nodes().get(killedId);
            assertThat(stranded.heldMicros()).as("the killed node's slice stays counted")
                    .isGreaterThanOrEqualTo(stranded.usedMicros()).isPositive();

            GatewayNode restarted = GatewayNode.start(killedDir, config);
            BudgetStatus.NodeRow recovered = status(redis).nodes().get(killedId);
            assertThat(recovered.heldMicros()).as("its restart handed back what it had not charged")
                    .isEqualTo(recovered.usedMicros());
            assertThat(recovered.usedMicros()).as("what its journal holds covers every receipt it gave")
                    .isGreaterThanOrEqualTo(acknowledged.size() * PRICE);

            restarted.close();
            a.close(); // hands back its slice: b can reach the whole rest of the budget
            GatewayNode.Answer refused;
            do {
                refused = b.pay(payment);
            } while (refused.status() == 200);
            assertThat(refused.isError(402, "insufficient_budget")).as(refused.toString()).isTrue();
            b.close();

            long charged = 0;
            for (String node : List.of("a", "b", "killed")) {
                try (SqliteLedger ledger = SqliteLedger.open(GatewayNode.ledgerFile(dir.resolve(node)))) {
                    charged += ledger.chargedMicros(TestBroker.ISSUER, JTI);
                    if (node.equals("killed")) {
                        for (String receipt : acknowledged) {
                            assertThat(ledger.scripCharge(receipt)).as(receipt)
                                    .contains(new SqliteLedger.ScripCharge(TestBroker.ISSUER, JTI, PRICE));
                        }
                    }
                }
            }
            assertThat(charged).as("the whole budget, nothing lost or granted twice").isEqualTo(budget);
            assertThat(status(redis).usedMicros()).isEqualTo(budget);
        }
    }

    private static Thread started(Runnable task) {
        Thread thread = new Thread(task);
        thread.start();
        return thread;
    }

    /** Pays at the child until it dies; keeps each receipt it gave with a 200. */
    private static void payUntilKilled(int port, String payment, Queue<String> acknowledged, AtomicBoolean killed) {
        while (!killed.get()) {
            try {
                GatewayNode.Answer answer = GatewayNode.pay(port, payment);
                if (answer.status() == 200) {
                    acknowledged.add(answer.receipt());
                }
            } catch (Exception e) {
                return; // the child is gone
            }
        }
    }

    /** Pays at an in-JVM node meanwhile, so the scrip is charged on two nodes at once. */
    private static void payUntilKilled(GatewayNode node, String payment, AtomicBoolean killed) {
        while (!killed.get()) {
            try {
                node.pay(payment);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static BudgetStatus status(RedisServer redis) throws Exception {
        try (BudgetLeases observer = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            return observer.status(new ScripId(TestBroker.ISSUER, JTI));
        }
    }
}
