package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.cluster.admin.RetireNode;
import dev.tollgate.gateway.testing.Poll;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator's {@code tollgate-retire-node} against a real redis-server (docs/CLUSTER.md, "Retiring a node that
 * will not come back"): a vanished node's expired lease returns what it held beyond its last report, and another node
 * can then spend it; a live lease, or a node still running, is refused.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
final class RetireNodeTest {

    private static final long BUDGET = 2_000;
    private static final long PRICE = 100;
    private static final ScripId SCRIP = new ScripId("https://broker.test", "retired-scrip");
    /** Node ids as the nodes' ledgers make them: 16 hex digits. */
    private static final String GONE = "00000000000000a1";
    private static final String RUNNING = "00000000000000b2";

    @TempDir
    Path dir;

    /** Runs the command; its exit code and what it printed, out then err. */
    private record Run(int exit, String out) {
    }

    private static Run retire(RedisServer redis, String... more) {
        List<String> args = new ArrayList<>(List.of("--redis", "redis://127.0.0.1:" + redis.port()));
        args.addAll(List.of(more));
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new RetireNode());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(out, true));
        int exit = command.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString());
    }

    @Test
    void aVanishedNodesExpiredSliceReturnsToTheBudgetAndAnotherNodeSpendsIt() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             BudgetLeases observer = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            TestNode gone = TestNode.start(redis, GONE, LeaseSettings.defaults().withTtl(Duration.ofSeconds(3))
                    .withCommandTimeout(Duration.ofMillis(300)), SlicePolicy.defaults(), null);
            assertThat(gone.charge(SCRIP, BUDGET, PRICE).reserved()).isTrue();
            gone.vanish(); // no release: as a node killed with -9 that never comes back
            BudgetStatus.NodeRow left = observer.status(SCRIP).nodes().get(GONE);
            assertThat(left.heldMicros()).as("its slice: 4 charges").isEqualTo(4 * PRICE);

            Run live = retire(redis, "--node", GONE);
            assertThat(live.exit()).as(live.out()).isEqualTo(3);
            assertThat(live.out()).contains("live", "retired-scrip", "not retired", "returned 0 micro-units");
            assertThat(observer.status(SCRIP).nodes().get(GONE)).as("untouched").isEqualTo(left);

            Poll.until("the vanished node's lease expires", () -> !observer.status(SCRIP).live(GONE));
            long returned = left.heldMicros() - left.usedMicros();
            Run dry = retire(redis, "--node", GONE, "--dry-run");
            assertThat(dry.exit()).as(dry.out()).isZero();
            assertThat(dry.out()).contains("would return " + returned + " micro-units");
            assertThat(observer.status(SCRIP).heldMicros()).as("a dry run changes nothing").isEqualTo(4 * PRICE);

            Run run = retire(redis, "--node", GONE);
            assertThat(run.exit()).as(run.out()).isZero();
            assertThat(run.out()).contains("retired", "scrip retired-scrip of https://broker.test: returned "
                    + returned + " micro-units", "node " + GONE + ": returned " + returned + " micro-units on 1 scrip");
            BudgetStatus after = observer.status(SCRIP);
            assertThat(after.heldMicros()).isEqualTo(left.usedMicros());
            assertThat(after.nodes().get(GONE).fenced()).isTrue();

            try (TestNode other = TestNode.start(redis, "other-node", LeaseSettings.defaults(),
                    SlicePolicy.defaults())) {
                other.chargeUntilRefused(SCRIP, BUDGET, PRICE);
                assertThat(other.consumed.get()).as("the budget less what the gone node last reported")
                        .isEqualTo(BUDGET - left.usedMicros());
            }
            Run again = retire(redis, "--node", GONE);
            assertThat(again.exit()).as("nothing left to retire: " + again.out()).isEqualTo(1);
            assertThat(again.out()).contains("no lease of node " + GONE + " in Redis");

        }
    }

    @Test
    void aRunningNodeIsNotRetiredAndNoPasswordIsPrinted() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             BudgetLeases running = BudgetLeases.connect(redis.uri(), RUNNING, LeaseSettings.defaults())) {
            running.call(running.commands().set("tollgate:{node:" + RUNNING + "}:owner", "0".repeat(32)
                    + " web-2:/var/lib/tollgate/ledger.db").toCompletableFuture(), "test");
            Run refused = retire(redis, "--node", RUNNING);
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.out()).contains("node " + RUNNING + " not retired", "is running, at web-2:");

            Path password = Files.writeString(dir.resolve("redis.pw"), "hunter2\n");
            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
            Run wrong = retire(redis, "--node", RUNNING, "--password-file", password.toString());
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.out()).contains("not retired").doesNotContain("hunter2");
            assertThat(retire(redis).exit()).as("no --node").isEqualTo(2);
            assertThat(retire(redis, "--node", "a}b").exit()).as("not a node id").isEqualTo(2);
            Run typo = retire(redis, "--node", "gone-node");
            assertThat(typo.exit()).as("not a node id: " + typo.out()).isEqualTo(2);
            assertThat(typo.out()).contains("16 hex digits");
            Run unknown = retire(redis, "--node", "00000000000000c3");
            assertThat(unknown.exit()).as("a node Redis never knew: " + unknown.out()).isEqualTo(1);
            assertThat(unknown.out()).contains("no lease of node 00000000000000c3 in Redis", "wrong id");

            Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
            Run exposed = retire(redis, "--node", "00000000000000c3", "--password-file", password.toString());
            assertThat(exposed.exit()).as(exposed.out()).isEqualTo(2);
            assertThat(exposed.out()).contains("may be read by any user", "chmod o-rwx").doesNotContain("hunter2");
        }
    }
}
