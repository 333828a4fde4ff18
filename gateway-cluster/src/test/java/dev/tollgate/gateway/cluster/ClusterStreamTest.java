package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.testing.Poll;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-stream entitlements over three real gateway nodes (Jetty, the filter, each its own ledger file) on one real
 * redis-server: bought once on any node, honoured on every node, one Redis round trip per node and window.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterStreamTest {

    static final String RULES = GatewayHarness.RULES + String.join("\n",
            "  - match: /videos/**",
            "    price: 0.10",
            "    charge: per-stream",
            "    window: 4h",
            "    stream: /videos/{id}/**",
            "");
    static final long STREAM_PRICE = 100_000;

    @TempDir
    Path dir;
    private TestCluster cluster;
    private List<GatewayNode> nodes;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.start(dir, RULES);
        nodes = cluster.nodes;
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private String payment(String jti) {
        return GatewayHarness.paymentHeader(cluster.broker.scrip().jti(jti).budget(Long.toString(10 * STREAM_PRICE))
                .expiresAt(Instant.now().plus(Duration.ofHours(5))).sign(), STREAM_PRICE);
    }

    @Test
    void aStreamBoughtOnOneNodePlaysOnTheOthersWithoutASecondChargeAndOneRoundTripPerNode() throws Exception {
        String payment = payment("viewer");
        GatewayNode.Answer bought = nodes.get(0).pay("/videos/abc/seg-1.ts", payment);
        assertThat(bought.status()).as(bought.toString()).isEqualTo(200);

        for (GatewayNode node : nodes) {
            GatewayNode.Answer played = node.pay("/videos/abc/seg-2.ts", payment);
            assertThat(played.status()).as(played.toString()).isEqualTo(200);
            assertThat(played.receipt()).as("the receipt of the charge that bought it").isEqualTo(bought.receipt());
        }
        long commands = redisCommands();
        for (int i = 3; i < 13; i++) {
            for (GatewayNode node : nodes) {
                assertThat(node.pay("/videos/abc/seg-" + i + ".ts", payment).receipt()).isEqualTo(bought.receipt());
            }
        }
        assertThat(redisCommands()).as("hits are cached on every node until the window's end").isEqualTo(commands);
        assertThat(claimTtls()).as("one claim, ending with the window").singleElement().satisfies(ttl ->
                assertThat(ttl).isBetween(Duration.ofHours(3).toMillis(), Duration.ofHours(4).toMillis()));
        assertThat(chargedOverNodes("viewer")).isEqualTo(STREAM_PRICE);
    }

    @Test
    void fiftyConcurrentFirstSegmentsOfOneStreamSpreadOverTheNodesChargeOnce() throws Exception {
        String payment = payment("crowd");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<GatewayNode.Answer>> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            GatewayNode node = nodes.get(i % nodes.size());
            String path = "/videos/xyz/seg-" + i + ".ts";
            sent.add(pool.submit(() -> node.pay(path, payment)));
        }
        List<String> receipts = new ArrayList<>();
        for (Future<GatewayNode.Answer> one : sent) {
            GatewayNode.Answer answer = one.get();
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            receipts.add(answer.receipt());
        }
        pool.shutdown();

        assertThat(receipts).as("one charge, named by every answer").containsOnly(receipts.get(0));
        assertThat(chargedOverNodes("crowd")).isEqualTo(STREAM_PRICE);
    }

    @Test
    void withRedisDownAStreamNotYetSeenFailsClosedWithJsonWhileOneAlreadyHeldPlaysOn() throws Exception {
        String payment = payment("outage");
        for (GatewayNode node : nodes) {
            assertThat(node.pay("/videos/held/seg-1.ts", payment).status()).isEqualTo(200);
        }
        cluster.redis.kill();
        for (GatewayNode node : nodes) {
            assertThat(node.pay("/videos/held/seg-2.ts", payment).status()).as("cached").isEqualTo(200);
            GatewayNode.Answer refused = node.pay("/videos/new/seg-1.ts", payment);
            assertThat(refused.isError(503, "ledger_unavailable")).as(refused.toString()).isTrue();
            assertThat(refused.retryAfter()).isNotNull();
        }
        cluster.redis.start();
        Poll.until("streams are bought again", () -> nodes.get(1).pay("/videos/new/seg-1.ts", payment)
                .status() == 200);
        assertThat(chargedOverNodes("outage")).isEqualTo(2 * STREAM_PRICE);
    }

    private long chargedOverNodes(String jti) throws Exception {
        return cluster.chargedOverNodes(jti);
    }

    /** How many GET and SET commands Redis has run, from scripts too: what reading and writing claims costs. */
    private long redisCommands() {
        long calls = 0;
        for (String line : withRedis(redis -> redis.info("commandstats")).split("\r?\n")) {
            if (line.startsWith("cmdstat_get:") || line.startsWith("cmdstat_set:")) {
                calls += Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(',')));
            }
        }
        return calls;
    }

    /** The time to live of every stream claim in Redis, ms. */
    private List<Long> claimTtls() {
        return withRedis(redis -> redis.keys("tollgate:{buyer:*").stream().map(redis::pttl).toList());
    }

    private <T> T withRedis(Function<RedisCommands<String, String>, T> use) {
        RedisClient client = RedisClient.create(cluster.redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return use.apply(connection.sync());
        } finally {
            client.shutdown();
        }
    }
}
