package dev.tollgate.gateway.cluster;

import static dev.tollgate.gateway.cluster.GatewayNode.PRICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ledger.lease-ttl} and the {@code slice-*} settings of a node's config file reach its leases in a real
 * redis-server: the slice its first charge leases and how long that lease lasts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ClusterSliceConfigTest {

    @TempDir
    Path dir;

    @Test
    void theConfiguredLeaseTtlAndSlicePolicyDecideTheNodesLease() throws Exception {
        TestBroker broker = new TestBroker();
        ScripId scrip = new ScripId(TestBroker.ISSUER, "configured");
        try (RedisServer redis = RedisServer.start(dir); JwksServer jwks = JwksServer.start(broker::jwksJson);
             BudgetLeases observer = BudgetLeases.connect(redis.uri(), "observer", LeaseSettings.defaults())) {
            String config = GatewayNode.config(jwks.jwksUri(), redis).replace("  command-timeout: 300ms\n",
                    "  command-timeout: 300ms\n  lease-ttl: 3s\n  slice-min-charges: 40\n  slice-max-share: 10%\n");
            try (GatewayNode node = GatewayNode.start(dir.resolve("a"), config)) {
                String payment = GatewayHarness.paymentHeader(broker.scrip().jti(scrip.jti())
                        .budget(Long.toString(100 * PRICE)).expiresAt(Instant.now().plus(Duration.ofHours(1)))
                        .sign(), PRICE);
                long before = observer.status(scrip).redisMillis();
                assertThat(node.pay(payment).status()).isEqualTo(200);
                BudgetStatus status = observer.status(scrip);

                BudgetStatus.NodeRow row = status.nodes().get(GatewayNode.nodeId(node.dir));
                assertThat(row.heldMicros()).as("min(40 charges, 10 % of the budget); 4 charges by default (a "
                        + "background refill may add one charge)").isBetween(10 * PRICE, 11 * PRICE);
                assertThat(row.untilMillis()).as("a 3 s lease, Redis time; 30 s by default")
                        .isBetween(before + 3_000, status.redisMillis() + 3_000);
            }
        }
    }
}
