package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes, each with its own connection, charging one scrip through their slices against a real redis-server
 * (AOF on): never more than the budget, all of it usable, nothing granted twice when a node stops, vanishes or is
 * retired, and Redis killed, restarted or down.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ClusterBudgetTest {

    private static final ScripId SCRIP = new ScripId("https://broker.test", "shared-scrip");

    @TempDir
    Path dir;
    private RedisServer redis;
    private final List<TestNode> nodes = new ArrayList<>();
    private final LeaseSettings settings = LeaseSettings.defaults().withTtl(Duration.ofMillis(600))
            .withCommandTimeout(Duration.ofMillis(500));

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        for (TestNode node : nodes) {
            node.vanish();
        }
        redis.close();
    }

    private TestNode node(String id, SlicePolicy policy) throws LeaseUnavailableException {
        return node(id, policy, settings);
    }

    private TestNode node(String id, SlicePolicy policy, LeaseSettings with) throws LeaseUnavailableException {
        return added(TestNode.start(redis, id, with, policy));
    }

    /** A node that stalls (a long pause, a partition): it keeps its slices and never sweeps. */
    private TestNode stalled(String id) throws LeaseUnavailableException {
        return added(TestNode.start(redis, id, settings, SlicePolicy.defaults(), null));
    }

    private TestNode added(TestNode node) {
        nodes.add(node);
        return node;
    }

    private TestNode node(String id) throws LeaseUnavailableException {
        return node(id, SlicePolicy.defaults());
    }

    private BudgetStatus status() throws LeaseUnavailableException {
        return nodes.get(0).leases.status(SCRIP);
    }

    private static long consumed(List<TestNode> nodes) {
        return nodes.stream().mapToLong(n -> n.consumed.get()).sum();
    }

    @Test
    void threeNodesChargingOneScripConcurrentlyNeverGrantMoreThanItsBudgetAndCanSpendAllOfIt() throws Exception {
        long budget = 70_000;
        long price = 7;
        List<TestNode> three = List.of(node("a"), node("b"), node("c"));
        AtomicLong maxHeld = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<Reservation>> workers = new ArrayList<>();
        for (TestNode node : three) {
            for (int thread = 0; thread < 3; thread++) {
                workers.add(pool.submit(() -> chargeUntilInsufficient(node, budget, price)));
            }
        }
        Future<?> monitor = pool.submit(() -> {
            while (!workers.stream().allMatch(Future::isDone)) {
                maxHeld.accumulateAndGet(status().heldMicros(), Math::max);
            }
            return null;
        });
        for (Future<Reservation> worker : workers) {
            assertThat(worker.get().outcome()).isEqualTo(Reservation.Outcome.INSUFFICIENT);
        }
        monitor.get();
        pool.shutdown();

        long charged = consumed(three);
        assertThat(charged / price).as("charges").isGreaterThan(1_000);
        // Several nodes spent it (three nodes' nine threads on two cores: one node's threads may not run before the
        // other two have leased the whole budget, so "every node" would test the scheduler).
        assertThat(three).filteredOn(n -> n.consumed.get() > 0).as("nodes that charged").hasSizeGreaterThan(1);
        assertThat(charged).isLessThanOrEqualTo(budget);
        assertThat(maxHeld.get()).as("the most Redis ever granted at once").isLessThanOrEqualTo(budget);
        for (TestNode node : three) {
            node.slices.close();
        }
        BudgetStatus status = status();
        assertThat(status.usedMicros()).as("what the nodes reported").isEqualTo(charged);
        assertThat(status.heldMicros()).isEqualTo(charged);
        for (TestNode node : three) {
            assertThat(status.nodes().get(node.id).usedMicros()).isEqualTo(node.consumed.get());
        }
        assertThat(budget - charged).as("left unspent").isLessThan(price);
    }

    /** Charges on one node until it says the budget is spent; waits out {@code BUSY} (other nodes hold the rest). */
    private static Reservation chargeUntilInsufficient(TestNode node, long budget, long price) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadline < 0) {
            Reservation reservation = node.charge(SCRIP, budget, price);
            if (reservation.outcome() == Reservation.Outcome.INSUFFICIENT) {
                return reservation;
            }
        }
        throw new AssertionError("node " + node.id + " was still busy after 60 s");
    }

    /** Three charges of 100 on a budget of 10,000: the node's slice (400 at least) is left partly unconsumed. */
    private static void chargeThreeTimes(TestNode node) throws LeaseUnavailableException {
        for (int i = 0; i < 3; i++) {
            assertThat(node.charge(SCRIP, 10_000, 100).reserved()).isTrue();
        }
    }

    @Test
    void aNodeThatStopsHandsBackWhatItDidNotConsume() throws Exception {
        TestNode a = node("a");
        TestNode b = node("b");
        chargeThreeTimes(a);
        assertThat(status().nodes().get("a").heldMicros()).as("a's slice").isGreaterThan(300);

        a.close();
        nodes.remove(a);

        BudgetStatus stopped = status();
        assertThat(stopped.nodes().get("a")).isEqualTo(new BudgetStatus.NodeRow(300, 300, 0, false));
        assertThat(stopped.freeMicros()).isEqualTo(9_700);
        assertThat(b.chargeUntilRefused(SCRIP, 10_000, 100).outcome()).isEqualTo(Reservation.Outcome.INSUFFICIENT);
        assertThat(b.consumed.get()).isEqualTo(9_700);
    }

    @Test
    void aVanishedNodesSliceStaysCountedAfterItsLeaseExpiresAndReturnsWhenItsRestartReportsItsJournal()
            throws Exception {
        TestNode c = node("c");
        TestNode b = node("b");
        chargeThreeTimes(c);
        c.vanish();
        nodes.remove(c);
        long held = status().nodes().get("c").heldMicros();
        assertThat(held).isGreaterThan(300);
        Poll.until("c's lease has expired", () -> !status().live("c"));

        Reservation refused = b.chargeUntilRefused(SCRIP, 10_000, 100);
        assertThat(b.consumed.get()).as("nothing of c's slice granted again").isEqualTo(10_000 - held);
        assertThat(refused.outcome()).as("c's slice is counted, not spent").isEqualTo(Reservation.Outcome.BUSY);

        TestNode restarted = node("c");
        long returned = restarted.slices.recover(scrip -> scrip.equals(SCRIP) ? 300 : 0);

        assertThat(returned).isEqualTo(held - 300);
        assertThat(restarted.leases.leasedScrip()).isEmpty();
        assertThat(b.chargeUntilRefused(SCRIP, 10_000, 100).outcome()).isEqualTo(Reservation.Outcome.INSUFFICIENT);
        assertThat(b.consumed.get() + 300).isEqualTo(10_000);
    }

    @Test
    void aNodeRetiredAfterItsLeaseExpiredIsFencedAndWhatItHadNotReportedIsNeverGrantedTwice() throws Exception {
        TestNode c = stalled("c");
        TestNode b = node("b");
        chargeThreeTimes(c);
        Poll.until("c's lease has expired", () -> !status().live("c"));
        BudgetStatus expired = status();

        Lease retired = b.leases.retire(SCRIP, "c");
        long reported = expired.nodes().get("c").usedMicros();
        assertThat(retired.movedMicros()).isEqualTo(expired.nodes().get("c").heldMicros() - reported);
        assertThat(c.charge(SCRIP, 10_000, 100).outcome()).as("c, back, is fenced")
                .isEqualTo(Reservation.Outcome.INSUFFICIENT);
        b.chargeUntilRefused(SCRIP, 10_000, 100);
        assertThat(b.consumed.get() + reported).as("b and what c reported").isEqualTo(10_000);
    }

    @Test
    void aLeaseRenewedAfterItExpiredGrantsNothingTwice() throws Exception {
        TestNode a = stalled("a");
        TestNode b = node("b");
        assertThat(a.charge(SCRIP, 10_000, 100).reserved()).isTrue();
        Poll.until("a's lease has expired", () -> !status().live("a"));
        long aHeld = status().nodes().get("a").heldMicros();

        assertThat(a.charge(SCRIP, 10_000, 100).reserved()).as("renewed after expiry").isTrue();
        b.chargeUntilRefused(SCRIP, 10_000, 100);
        a.chargeUntilRefused(SCRIP, 10_000, 100);

        assertThat(aHeld).isGreaterThan(100);
        assertThat(a.consumed.get() + b.consumed.get()).isEqualTo(10_000);
    }

    @Test
    void redisKilledAndRestartedMidRunLosesNoGrantAndAllowsNoOverspend() throws Exception {
        long budget = 7 * 100_000;
        long price = 7;
        SlicePolicy small = new SlicePolicy(Duration.ofMillis(100), 4, 3_906, 16); // 1/256 of the budget
        List<TestNode> three = List.of(node("a", small), node("b", small), node("c", small));
        AtomicLong failedClosed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> workers = new ArrayList<>();
        for (TestNode node : three) {
            for (int thread = 0; thread < 2; thread++) {
                workers.add(pool.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (System.nanoTime() - deadline < 0) {
                        try {
                            if (node.charge(SCRIP, budget, price).outcome() == Reservation.Outcome.INSUFFICIENT) {
                                return null;
                            }
                        } catch (LeaseUnavailableException e) {
                            failedClosed.incrementAndGet();
                        }
                    }
                    throw new AssertionError("node " + node.id + " still charging after 90 s");
                }));
            }
        }
        Poll.until("a tenth of the budget is charged", () -> consumed(three) >= budget / 10);
        redis.kill();
        Poll.until("a charge needing Redis failed closed", () -> failedClosed.get() > 0);
        long duringOutage = consumed(three);
        redis.start();
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();

        long charged = consumed(three);
        assertThat(duringOutage).isLessThan(budget);
        assertThat(charged).isLessThanOrEqualTo(budget);
        assertThat(three).allSatisfy(n -> assertThat(n.leases.lostMicros()).as("grants Redis lost").isZero());
        for (TestNode node : three) {
            node.slices.close();
        }
        BudgetStatus status = status();
        assertThat(status.heldMicros()).isEqualTo(charged);
        assertThat(status.usedMicros()).isEqualTo(charged);
        assertThat(budget - charged).as("left unspent").isLessThan(price);
    }

    @Test
    void redisDownFailsClosedWithinTheTimeoutExceptWithinAHeldSliceAndWorksAgainWhenItReturns() throws Exception {
        // A long lease: the slice stays chargeable while Redis is down for the whole test.
        TestNode a = node("a", SlicePolicy.defaults(), settings.withTtl(Duration.ofSeconds(60)));
        assertThat(a.charge(SCRIP, 100_000, 100).reserved()).isTrue();
        long ceiling = status().nodes().get("a").heldMicros();
        redis.kill();

        assertThat(a.charge(SCRIP, 100_000, 100).reserved()).as("within the slice held").isTrue();
        long start = System.nanoTime();
        assertThatThrownBy(() -> {
            while (a.consumed.get() < ceiling + 100) {
                a.charge(SCRIP, 100_000, 100);
            }
        }).isInstanceOf(LeaseUnavailableException.class).hasMessageContaining("Redis");
        assertThat(a.consumed.get()).isEqualTo(ceiling);
        long other = System.nanoTime();
        assertThatThrownBy(() -> a.charge(new ScripId("https://broker.test", "other"), 1_000, 100))
                .isInstanceOf(LeaseUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - other))
                .isLessThan(settings.callTimeout().plusSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

        redis.start();
        Poll.until("a charges again", () -> a.chargesNow(SCRIP, 100_000, 100));
        a.slices.close();
        assertThat(status().nodes().get("a")).isEqualTo(new BudgetStatus.NodeRow(
                a.consumed.get(), a.consumed.get(), 0, false));
    }
}
