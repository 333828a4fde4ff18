package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.testing.Poll;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The lease scripts against a real redis-server: what each grants, hands back, refuses and records. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class BudgetLeasesTest {

    private static final Instant EXPIRES = Instant.now().plus(Duration.ofHours(1));
    private static final AtomicInteger SCRIP = new AtomicInteger();

    @TempDir
    static Path dir;
    private static RedisServer redis;
    private static BudgetLeases a;
    private static BudgetLeases b;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
        LeaseSettings settings = LeaseSettings.defaults().withTtl(Duration.ofMillis(300));
        a = BudgetLeases.connect(redis.uri(), "a", settings);
        b = BudgetLeases.connect(redis.uri(), "b", settings);
    }

    @AfterAll
    static void stop() throws Exception {
        a.close();
        b.close();
        redis.close();
    }

    private static ScripId newScrip() {
        return new ScripId("https://broker.test", "scrip-" + SCRIP.incrementAndGet());
    }

    @Test
    void aLeaseGrantsNoMoreThanTheBudgetLeft() throws Exception {
        ScripId scrip = newScrip();
        Lease first = a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        Lease second = b.lease(scrip, 1_000, EXPIRES, 0, 0, 600);

        assertThat(first.movedMicros()).isEqualTo(600);
        assertThat(first.contended()).isFalse();
        assertThat(second.movedMicros()).as("partial: what was free").isEqualTo(400);
        assertThat(second.heldMicros()).isEqualTo(400);
        assertThat(second.freeMicros()).isZero();
        assertThat(second.elsewhereMicros()).as("a's unconsumed slice").isEqualTo(600);
        assertThat(second.contended()).isTrue();
        BudgetStatus status = a.status(scrip);
        assertThat(status.heldMicros()).isEqualTo(1_000);
        assertThat(status.nodes().get("a").heldMicros()).isEqualTo(600);
        assertThat(status.nodes().get("b").heldMicros()).isEqualTo(400);
        assertThat(status.live("a")).isTrue();
    }

    @Test
    void theFirstLeaseRecordsTheBudgetAndALaterOneCannotRaiseIt() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 500, EXPIRES, 0, 0, 100);
        Lease raised = b.lease(scrip, 5_000, EXPIRES, 0, 0, 5_000);

        assertThat(raised.budgetMicros()).isEqualTo(500);
        assertThat(raised.heldMicros()).isEqualTo(400);
    }

    @Test
    void aReleaseHandsBackWhatTheNodeDidNotConsumeAndKeepsWhatItDid() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        a.lease(scrip, 1_000, EXPIRES, 250, 600, 600); // a report: 250 consumed
        Lease released = a.release(scrip, 300, 600);

        assertThat(released.movedMicros()).isEqualTo(300);
        assertThat(released.freeMicros()).isEqualTo(700);
        BudgetStatus status = a.status(scrip);
        assertThat(status.nodes().get("a")).isEqualTo(new BudgetStatus.NodeRow(300, 300, 0, false));
        assertThat(status.usedMicros()).isEqualTo(300);
        assertThat(status.live("a")).isFalse();
        assertThat(a.leasedScrip()).doesNotContain(scrip);
        assertThat(b.lease(scrip, 1_000, EXPIRES, 0, 0, 1_000).heldMicros()).isEqualTo(700);
    }

    @Test
    void aNodeThatReportsMoreThanItHoldsIsRefused() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 100);

        assertThatThrownBy(() -> a.release(scrip, 150, 100))
                .isInstanceOf(LeaseUnavailableException.class)
                .hasMessageContaining("reports 150 consumed but holds 100");
        assertThat(a.status(scrip).nodes().get("a").heldMicros()).isEqualTo(100);
    }

    @Test
    void anOperationDeliveredLateChangesNothing() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        Lease current = a.release(scrip, 100, 600);
        // The same node's lease, sent before that release and delivered after it (a lower sequence number).
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> raw = client.connect()) {
            Lease late = LeaseScripts.LEASE.run(raw.async(), scrip, "a", Long.toString(current.lastSequence() - 1),
                    "1000", Long.toString(EXPIRES.toEpochMilli()), "0", "0", "900", "30000").get();
            assertThat(late.status()).isEqualTo(Lease.Status.STALE);
        } finally {
            client.shutdown();
        }
        BudgetStatus status = a.status(scrip);
        assertThat(status.nodes().get("a")).isEqualTo(new BudgetStatus.NodeRow(100, 100, 0, false));
        assertThat(status.heldMicros()).isEqualTo(100);
    }

    @Test
    void aRestartedNodeWhoseClockWentBackMovesPastItsEarlierSequenceNumbers() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        try (BudgetLeases restarted = BudgetLeases.connect(redis.uri(), "a", a.settings(), 1)) {
            Lease released = restarted.release(scrip, 50, 50);

            assertThat(released.status()).isEqualTo(Lease.Status.OK);
            assertThat(released.movedMicros()).isEqualTo(550);
        }
    }

    @Test
    void grantsRedisLostArePutBackByTheNodeThatHoldsThemAndReported() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> raw = client.connect()) {
            raw.sync().del(scrip.key()); // as if Redis restarted without the last writes
        } finally {
            client.shutdown();
        }
        Lease again = a.lease(scrip, 1_000, EXPIRES, 200, 600, 600);

        assertThat(again.lostMicros()).isEqualTo(600);
        assertThat(again.heldMicros()).isEqualTo(600);
        assertThat(b.lease(scrip, 1_000, EXPIRES, 0, 0, 1_000).heldMicros()).isEqualTo(400);
    }

    @Test
    void aLiveLeaseCannotBeRetiredAndAnExpiredOneReturnsWhatWasNotReportedAndFencesTheNode() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        a.lease(scrip, 1_000, EXPIRES, 150, 600, 600);

        assertThat(b.retire(scrip, "a").status()).isEqualTo(Lease.Status.LIVE);
        assertThat(b.status(scrip).heldMicros()).isEqualTo(600);

        Poll.until("a's lease has expired", () -> !b.status(scrip).live("a"));
        assertThat(b.status(scrip).heldMicros()).as("an expired slice stays counted").isEqualTo(600);
        Lease retired = b.retire(scrip, "a");

        assertThat(retired.status()).isEqualTo(Lease.Status.OK);
        assertThat(retired.movedMicros()).isEqualTo(450);
        assertThat(b.status(scrip).nodes().get("a")).isEqualTo(new BudgetStatus.NodeRow(150, 150, 0, true));
        assertThat(a.lease(scrip, 1_000, EXPIRES, 300, 600, 600).status()).isEqualTo(Lease.Status.FENCED);
        assertThat(a.release(scrip, 300, 600).status()).isEqualTo(Lease.Status.FENCED);
        assertThat(b.lease(scrip, 1_000, EXPIRES, 0, 0, 1_000).heldMicros()).isEqualTo(850);
    }

    @Test
    void aRenewalAfterExpiryKeepsExactlyWhatTheNodeHeld() throws Exception {
        ScripId scrip = newScrip();
        a.lease(scrip, 1_000, EXPIRES, 0, 0, 600);
        Poll.until("a's lease has expired", () -> !a.status(scrip).live("a"));
        Lease other = b.lease(scrip, 1_000, EXPIRES, 0, 0, 1_000);
        Lease renewed = a.lease(scrip, 1_000, EXPIRES, 100, 600, 700);

        assertThat(other.heldMicros()).as("expiry handed nothing to b").isEqualTo(400);
        assertThat(renewed.status()).isEqualTo(Lease.Status.OK);
        assertThat(renewed.heldMicros()).isEqualTo(600);
        assertThat(a.status(scrip).heldMicros()).isEqualTo(1_000);
    }

    @Test
    void scripKeysShareAHashTagAndReadBackWhateverTheIssuerAndJtiHold() {
        ScripId tricky = new ScripId("https://b:1/x}", "j:t}i");
        ScripId shifted = new ScripId("https", "//b:1/x}:j:t}i");

        assertThat(ScripId.fromKey(tricky.key())).isEqualTo(tricky);
        assertThat(ScripId.fromKey(shifted.key())).isEqualTo(shifted);
        assertThat(tricky.key()).isNotEqualTo(shifted.key()).startsWith("tollgate:{scrip:");
    }
}
