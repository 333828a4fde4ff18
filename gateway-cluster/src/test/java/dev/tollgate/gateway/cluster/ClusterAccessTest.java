package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access windows and passes over three real gateway nodes on one real redis-server: an article bought on one node
 * re-reads free on the others, and a pass bought on one opens its rules on all, each charged once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterAccessTest {

    static final String RULES = String.join("\n",
            "passes:",
            "  - id: day-pass",
            "    price: 0.50",
            "    duration: 24h",
            "    covers: [\"/articles/**\", \"/news/**\"]",
            "") + GatewayHarness.RULES.replace("    description: One article\n",
            "    description: One article\n    access: 24h\n    passes: [day-pass]\n") + String.join("\n",
            "  - match: /news/**",
            "    price: 0.02",
            "    passes: [day-pass]",
            "");
    static final long PRICE = 50_000;
    static final long PASS = 500_000;

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

    private String token(String jti) {
        return cluster.broker.scrip().jti(jti).subject(TestBroker.BUYER).budget("2000000")
                .expiresAt(Instant.now().plus(Duration.ofHours(5))).sign();
    }

    @Test
    void anArticleBoughtOnOneNodeReReadsFreeOnTheOthersWithFreshScripToo() throws Exception {
        String payment = GatewayHarness.paymentHeader(token("reader"), PRICE);
        GatewayNode.Answer bought = nodes.get(0).pay("/articles/one", payment);
        assertThat(bought.status()).as(bought.toString()).isEqualTo(200);

        String fresh = GatewayHarness.paymentHeader(token("reader-2"), PRICE);
        for (GatewayNode node : nodes) {
            for (String paying : List.of(payment, fresh)) {
                GatewayNode.Answer reRead = node.pay("/articles/one", paying);
                assertThat(reRead.status()).as(reRead.toString()).isEqualTo(200);
                assertThat(reRead.receipt()).as("the receipt of the charge that bought it").isEqualTo(bought.receipt());
            }
        }
        GatewayNode.Answer other = nodes.get(2).pay("/articles/two", payment);
        assertThat(other.receipt()).isNotEqualTo(bought.receipt());

        assertThat(cluster.chargedOverNodes("reader")).isEqualTo(2 * PRICE);
    }

    @Test
    void aPassBoughtOnOneNodeOpensItsRulesOnEveryNodeChargedOnce() throws Exception {
        String token = token("pass-holder");
        PaymentRequirements pass = new PaymentRequirements("scrip", "tollgate:test", Long.toString(PASS), "USD",
                TestBroker.SELLER, 60, Map.of("pass", Map.of("id", "day-pass")));
        String buying = X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://shop.test/", "", ""),
                pass, Map.of("token", token), null));
        GatewayNode.Answer bought = nodes.get(1).pay("/news/today", buying);
        assertThat(bought.status()).as(bought.toString()).isEqualTo(200);

        String clicking = GatewayHarness.paymentHeader(token, PRICE);
        for (GatewayNode node : nodes) {
            for (String path : List.of("/articles/one", "/news/today", "/news/tomorrow")) {
                GatewayNode.Answer opened = node.pay(path, clicking);
                assertThat(opened.status()).as(opened.toString()).isEqualTo(200);
                assertThat(opened.receipt()).as(path).isEqualTo(bought.receipt());
            }
        }

        assertThat(cluster.chargedOverNodes("pass-holder")).isEqualTo(PASS);
    }
}
