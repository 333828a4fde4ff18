package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** With {@code waitReplicas}, a node uses a grant only once a replica has it (docs/CLUSTER.md "Redis settings"). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ReplicaWaitTest {

    private static final ScripId SCRIP = new ScripId("https://broker.test", "replicated");

    @TempDir
    Path dir;

    @Test
    void aGrantNoReplicaAcknowledgedIsNotUsedAndStaysCountedUntilOneDoes() throws Exception {
        LeaseSettings settings = LeaseSettings.defaults().withCommandTimeout(Duration.ofMillis(300))
                .withWaitReplicas(1);
        try (RedisServer primary = RedisServer.start(Files.createDirectory(dir.resolve("primary")));
             TestNode node = TestNode.start(primary, "a", settings, SlicePolicy.defaults(), null)) {
            for (int attempt = 0; attempt < 2; attempt++) { // the second lease grants nothing new, and still waits
                assertThatThrownBy(() -> node.charge(SCRIP, 10_000, 100))
                        .isInstanceOf(LeaseUnavailableException.class)
                        .hasMessageContaining("only 0 of 1 Redis replicas acknowledged a grant of 400");
            }
            assertThat(node.leases.status(SCRIP).heldMicros()).as("granted, counted, not used").isEqualTo(400);

            try (RedisServer replica = RedisServer.start(Files.createDirectory(dir.resolve("replica")),
                    "--replicaof", "127.0.0.1", Integer.toString(primary.port()))) {
                Poll.until("a charge is made with a replica acknowledging its grant",
                        () -> node.chargesNow(SCRIP, 10_000, 100));
                node.slices.close();
                BudgetStatus status = node.leases.status(SCRIP);
                assertThat(status.heldMicros()).isEqualTo(100);
                assertThat(status.usedMicros()).isEqualTo(100);
            }
        }
    }
}
