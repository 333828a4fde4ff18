package dev.tollgate.gateway.cluster;

import static dev.tollgate.gateway.cluster.GatewayNode.PRICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on copies of one data dir (so one ledger file's {@code db_id}, one node id) on one real redis-server
 * (docs/CLUSTER.md, "One process per node id"): the second does not start while the first runs, and starts once the
 * first has stopped.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterLedgerCopyTest {

    @TempDir
    Path dir;
    private TestCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.start(dir, GatewayHarness.RULES);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void aNodeStartedOnACopyOfARunningNodesDataDirDoesNotStartAndStartsOnceThatNodeStopped() throws Exception {
        String payment = GatewayHarness.paymentHeader(cluster.broker.scrip().jti("copied").budget(
                Long.toString(20 * PRICE)).expiresAt(Instant.now().plus(Duration.ofHours(1))).sign(), PRICE);
        GatewayNode original = cluster.nodes.remove(0);
        assertThat(original.pay(payment).status()).isEqualTo(200);
        original.close();
        Path copy = dir.resolve("copy");
        copyTree(original.dir, copy);
        String config = Files.readString(original.dir.resolve("gateway.yaml"));
        original = GatewayNode.start(original.dir, config);
        cluster.nodes.add(original);

        Throwable refused = null;
        try {
            cluster.nodes.add(GatewayNode.start(copy, config));
        } catch (Exception e) {
            refused = e;
        }

        assertThat(refused).as("the copy does not start").isNotNull();
        assertThat(messages(refused)).contains("is held in Redis by another running node",
                GatewayNode.nodeId(original.dir), "a copy of this one");
        assertThat(original.pay(payment).status()).as("the original charges on").isEqualTo(200);
        cluster.nodes.remove(original);
        original.close();
        GatewayNode alone = GatewayNode.start(copy, config);
        cluster.nodes.add(alone);
        assertThat(alone.pay(payment).status()).as("the copy alone, once the original stopped").isEqualTo(200);
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(file -> {
                try {
                    Files.copy(file, to.resolve(from.relativize(file).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
