package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * Three gateway nodes ({@link GatewayNode}: Jetty, the real filter, each its own data folder) on one real
 * redis-server, trusting one test broker: what the cluster tests run against.
 */
final class TestCluster implements AutoCloseable {

    final RedisServer redis;
    final TestBroker broker = new TestBroker();
    final JwksServer jwks;
    /** The running nodes; {@link #stopNodes()} empties it. */
    final List<GatewayNode> nodes = new ArrayList<>();

    private TestCluster(RedisServer redis) {
        this.redis = redis;
        this.jwks = JwksServer.start(broker::jwksJson);
    }

    /**
     * Starts Redis with its data in {@code dir}, and nodes {@code a}, {@code b} and {@code c} under it, sharing one
     * browser key as the nodes behind one origin do (BrowserSeal).
     */
    static TestCluster start(Path dir, String rules) throws Exception {
        TestCluster cluster = new TestCluster(RedisServer.start(dir));
        byte[] browserKey = new byte[32];
        new SecureRandom().nextBytes(browserKey);
        for (String name : List.of("a", "b", "c")) {
            Path data = Files.createDirectories(dir.resolve(name).resolve("data"));
            Files.write(data.resolve("browser-key"), browserKey);
            Files.setPosixFilePermissions(data.resolve("browser-key"), PosixFilePermissions.fromString("rw-------"));
            cluster.nodes.add(GatewayNode.start(dir.resolve(name),
                    GatewayNode.config(cluster.jwks.jwksUri(), cluster.redis, rules)));
        }
        return cluster;
    }

    GatewayNode node(int index) {
        return nodes.get(index);
    }

    /** Stops every node (each hands back its slices and closes its ledger); returns their folders. */
    List<Path> stopNodes() throws Exception {
        List<Path> dirs = new ArrayList<>();
        for (GatewayNode node : nodes) {
            node.close();
            dirs.add(node.dir);
        }
        nodes.clear();
        return dirs;
    }

    /** Stops every node; what their ledgers hold charged on the test broker's scrip {@code jti} in all. */
    long chargedOverNodes(String jti) throws Exception {
        long charged = 0;
        for (Path dir : stopNodes()) {
            try (SqliteLedger ledger = SqliteLedger.open(GatewayNode.ledgerFile(dir))) {
                charged += ledger.chargedMicros(TestBroker.ISSUER, jti);
            }
        }
        return charged;
    }

    @Override
    public void close() throws Exception {
        stopNodes();
        jwks.close();
        redis.close();
    }
}
