package dev.tollgate.gateway.cluster;

import static dev.tollgate.gateway.cluster.GatewayNode.PRICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * x402 payment identifiers over three real gateway nodes on one real redis-server (PROTOCOL.md section 11, CLUSTER.md
 * "Payment identifiers"): a payment sent again under its id, to whichever node, is charged once and answered with the
 * first charge's receipt; an id that cannot be checked in Redis fails closed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterPaymentIdTest {

    private static final String ID = "pay_7d5d747be160e280504c099d984bcfe0";

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

    private String scrip(String jti, long budget) {
        return cluster.broker.scrip().jti(jti).budget(Long.toString(budget))
                .expiresAt(Instant.now().plus(Duration.ofHours(1))).sign();
    }

    /** A scrip payment of the price carrying x402's {@code payment-identifier} extension with {@code id}. */
    private static String identified(String token, String id) {
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:test", Long.toString(PRICE), "USD",
                TestBroker.SELLER, 60, Map.of());
        Map<String, Object> extensions = Map.of("payment-identifier", Map.of("info", Map.of("required", false,
                "id", id)));
        return X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://shop.test/", "", ""), accepted,
                Map.of("token", token), extensions));
    }

    private HttpResponse<String> get(int node, String path, String payment) throws Exception {
        return cluster.node(node).send(path, null, PaymentHeaders.PAYMENT_SIGNATURE, payment);
    }

    private static SettlementResponse receipt(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return X402Codec.decodeHeader(response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(),
                SettlementResponse.class);
    }

    private static boolean replayed(SettlementResponse receipt) {
        return Boolean.TRUE.equals(receipt.extra() == null ? null : receipt.extra().get("replayed"));
    }

    @Test
    void aPaymentSentAgainUnderItsIdToEveryNodeIsChargedOnceAndAnsweredWithTheFirstReceipt() throws Exception {
        String payment = identified(scrip("replayed", 20 * PRICE), ID);
        SettlementResponse first = receipt(get(0, "/articles/a", payment));
        assertThat(replayed(first)).isFalse();

        for (int n = 1; n <= 8; n++) { // every replay the protocol allows, over the three nodes
            SettlementResponse again = receipt(get(n % 3, "/articles/a", payment));
            assertThat(again.transaction()).as("replay %d", n).isEqualTo(first.transaction());
            assertThat(again.amount()).isEqualTo(Long.toString(PRICE));
            assertThat(replayed(again)).as("replay %d", n).isTrue();
            assertThat(Long.parseLong((String) again.extra().get("remaining"))).as("what this node can reach")
                    .isPositive().isLessThanOrEqualTo(19 * PRICE);
        }
        SettlementResponse ninth = receipt(get(2, "/articles/a", payment));
        assertThat(replayed(ninth)).as("the ninth is a payment of its own").isFalse();
        assertThat(ninth.transaction()).isNotEqualTo(first.transaction());
        SettlementResponse afterNinth = receipt(get(1, "/articles/a", payment));
        assertThat(afterNinth.transaction()).isEqualTo(ninth.transaction());
        assertThat(replayed(afterNinth)).isTrue();

        assertThat(cluster.chargedOverNodes("replayed")).isEqualTo(2 * PRICE);
    }

    @Test
    void concurrentRequestsUnderOneIdOverTheNodesChargeOnce() throws Exception {
        String payment = identified(scrip("concurrent", 20 * PRICE), ID);
        ExecutorService pool = Executors.newFixedThreadPool(9);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 9; i++) { // the first charge and its 8 replays
            int node = i % 3;
            sent.add(pool.submit(() -> get(node, "/articles/a", payment)));
        }
        List<SettlementResponse> receipts = new ArrayList<>();
        for (Future<HttpResponse<String>> one : sent) {
            receipts.add(receipt(one.get()));
        }
        pool.shutdown();

        assertThat(receipts.stream().map(SettlementResponse::transaction).distinct()).hasSize(1);
        assertThat(receipts.stream().filter(r -> !replayed(r))).as("charged").hasSize(1);
        assertThat(cluster.chargedOverNodes("concurrent")).isEqualTo(PRICE);
    }

    @Test
    void theIdOfAPaymentMadeOnOneNodeCannotBuyAnotherResourceOnAnother() throws Exception {
        String token = scrip("reused", 20 * PRICE);
        receipt(get(0, "/articles/a", identified(token, ID)));

        HttpResponse<String> other = get(1, "/articles/b", identified(token, ID));

        assertThat(other.statusCode()).as(other.body()).isEqualTo(402);
        assertThat(other.body()).contains("\"error\":\"malformed_payment\"", "another resource");
        SettlementResponse otherId = receipt(get(2, "/articles/b", identified(token, ID + "-b")));
        assertThat(replayed(otherId)).isFalse();
        assertThat(cluster.chargedOverNodes("reused")).isEqualTo(2 * PRICE);
    }

    @Test
    void anIdentifiedPaymentFailsClosedWhileRedisIsDownAndAPlainClickWithinTheSliceGoesOn() throws Exception {
        String token = scrip("down", 20 * PRICE);
        String plain = GatewayHarness.paymentHeader(token, PRICE);
        assertThat(cluster.node(0).pay(plain).status()).as("node 0 leases a slice").isEqualTo(200);

        cluster.redis.kill();
        HttpResponse<String> refused = get(0, "/articles/a", identified(token, ID));
        GatewayNode.Answer click = cluster.node(0).pay(plain);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.body()).contains("\"error\":\"ledger_unavailable\"");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(click.status()).as(click.toString()).isEqualTo(200);
        cluster.redis.start();
        AtomicReference<HttpResponse<String>> after = new AtomicReference<>();
        Poll.until("node 1 reaches Redis again", () -> {
            after.set(get(1, "/articles/a", identified(token, ID)));
            return after.get().statusCode() != 503;
        });
        assertThat(replayed(receipt(after.get()))).as("nothing was charged under the id while Redis was down")
                .isFalse();
    }
}
