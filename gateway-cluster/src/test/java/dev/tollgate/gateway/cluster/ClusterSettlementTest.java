package dev.tollgate.gateway.cluster;

import static dev.tollgate.gateway.cluster.GatewayNode.PRICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.broker.Broker;
import dev.tollgate.broker.DemoBuyer;
import dev.tollgate.broker.Seller;
import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.gateway.testing.TestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settlement of a cluster (docs/CLUSTER.md, "Settlement"): gateway nodes on one real redis-server, signing with one
 * provisioned seller key, each settling its own ledger at a real reference broker, which keeps claims per (scrip,
 * ledger). The broker credits the seller exactly the sum charged over the nodes, however answers are lost and
 * batches resent, and when a node is killed with a batch in flight and restarted.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ClusterSettlementTest {

    private static final String ISSUER = "https://broker.test";
    private static final long DEPOSIT = 20_000_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private RedisServer redis;
    private Broker broker;
    private SharedSellerKey key;
    private DemoBuyer buyer;
    private AnswerLosingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir);
        broker = Broker.builder().port(0).dataDir(dir.resolve("broker")).issuer(ISSUER).demoMode(true).build()
                .start();
        key = SharedSellerKey.at(dir.resolve("seller-key.json"));
        broker.registerSeller(Seller.of(TestBroker.SELLER, "Cluster Seller", key.publicJwk(),
                List.of("https://news.example")));
        buyer = broker.createDemoBuyer("cluster-buyer", DEPOSIT);
        proxy = AnswerLosingProxy.start(broker.baseUri());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        broker.close();
        redis.close();
    }

    /** A node's config: settling every second at {@code redemptions} (the broker's base, or the proxy's). */
    private String config(URI redemptions) {
        return String.join("\n",
                "seller:",
                "  id: " + TestBroker.SELLER,
                "broker:",
                "  id: demo",
                "  issuer: " + ISSUER,
                "  jwks-url: " + broker.jwksUri(),
                "  token-endpoint: " + broker.baseUri() + "/v1/scrip",
                "  redemption-url: " + redemptions + "/v1/redemptions",
                "  charge-url: " + broker.baseUri() + "/v1/charges",
                "currency: USD",
                "ledger:",
                GatewayNode.redisLedger(redis) + "settlement:",
                "  interval: 1s",
                "  max-backoff: 2s",
                "  seller-key-file: " + key.file(),
                "payword:",
                "  max-step: 50",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                "  - match: /videos/**",
                "    price: 0.01",
                "    schemes: [scrip, payword]",
                "");
    }

    /** Scrip of {@code budget} the broker issues to the buyer: its payment header and jti. */
    private String[] scrip(long budget) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(broker.baseUri() + "/v1/scrip"))
                .header("Authorization", "Bearer " + buyer.apiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"seller\":\"" + TestBroker.SELLER + "\",\"budget\":\""
                        + budget + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        JsonNode scrip = JSON.readTree(answer.body());
        return new String[] {GatewayHarness.paymentHeader(scrip.get("token").asText(), PRICE, "tollgate:demo"),
                scrip.get("jti").asText()};
    }

    private static void pay(GatewayNode node, String payment, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            GatewayNode.Answer answer = node.pay(payment);
            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
        }
    }

    @Test
    void threeNodesSettleOneScripAndTheBrokerCreditsExactlyTheSumAlsoWhenAnswersAreLost() throws Exception {
        long budget = 200 * PRICE;
        String[] scrip = scrip(budget);
        String config = config(proxy.uri());
        proxy.loseNext(3);
        List<Path> dirs = List.of(dir.resolve("a"), dir.resolve("b"), dir.resolve("c"));
        List<GatewayNode> nodes = List.of(GatewayNode.start(dirs.get(0), config),
                GatewayNode.start(dirs.get(1), config), GatewayNode.start(dirs.get(2), config));
        for (int round = 0; round < 10; round++) {
            for (int n = 0; n < nodes.size(); n++) {
                pay(nodes.get(n), scrip[0], n + 1); // 10, 20 and 30 charges
            }
        }
        long charged = 60 * PRICE;

        Poll.until("the broker credits every node's charges", () -> credited() == charged);
        Poll.until("three answers were lost and their batches sent again", () -> proxy.lost() == 3);
        for (GatewayNode node : nodes) {
            node.close(); // a final batch each: nothing more to credit
        }

        assertThat(credited()).as("the seller is paid the sum over the nodes, once").isEqualTo(charged);
        Map<String, Long> byLedger = redeemedByLedger(scrip[1]);
        for (int n = 0; n < dirs.size(); n++) {
            assertThat(byLedger.get(GatewayNode.nodeId(dirs.get(n)))).as("node " + n + "'s own cumulative claim")
                    .isEqualTo(10 * (n + 1) * PRICE);
            assertNothingUnsettled(dirs.get(n));
        }
        assertThat(byLedger).hasSize(3);
        assertMoneyConserved(budget, charged);
    }

    @Test
    void aNodeKilledWithABatchInFlightSettlesTheRestExactlyOnceAfterItsRestart() throws Exception {
        long budget = 200 * PRICE;
        String[] scrip = scrip(budget);
        GatewayNode a = GatewayNode.start(dir.resolve("a"), config(broker.baseUri()));
        Path killedDir = dir.resolve("killed");
        proxy.holdAnswers();
        Process child = GatewayNode.startChild(killedDir, config(proxy.uri()));
        try {
            int port = GatewayNode.portOf(child);
            for (int i = 0; i < 10; i++) {
                assertThat(GatewayNode.pay(port, scrip[0]).status()).isEqualTo(200);
            }
            pay(a, scrip[0], 10);
            String killedId = GatewayNode.nodeId(killedDir);
            Poll.until("the child's batch reached the broker, its answer held",
                    () -> proxy.held() >= 1 && redeemedByLedger(scrip[1]).getOrDefault(killedId, 0L) > 0);
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(redeemedByLedger(scrip[1]).get(GatewayNode.nodeId(killedDir))).as("credited before the kill")
                .isPositive();

        GatewayNode restarted = GatewayNode.start(killedDir, config(broker.baseUri()));
        pay(restarted, scrip[0], 5);
        long charged = 25 * PRICE;
        Poll.until("the broker credits every charge", () -> credited() == charged);
        restarted.close();
        a.close();

        assertThat(credited()).as("nothing claimed twice, nothing lost").isEqualTo(charged);
        assertThat(redeemedByLedger(scrip[1])).containsOnly(
                Map.entry(GatewayNode.nodeId(killedDir), 15 * PRICE),
                Map.entry(GatewayNode.nodeId(dir.resolve("a")), 10 * PRICE));
        assertNothingUnsettled(killedDir);
        assertNothingUnsettled(dir.resolve("a"));
        assertMoneyConserved(budget, charged);
    }

    @Test
    void aPayWordChainWhoseWordsAlternateOverTheNodesIsCreditedExactlyTheWordsPaidOnce() throws Exception {
        long unit = 10_000; // what one word is worth, and what /videos/** costs
        KeyPair buyerKey = PayWordBuyer.newKey();
        PayWordBuyer chain = new PayWordBuyer(new TestBroker()).commitmentSignedBy(buyerKey)
                .commitmentClaim("cert", certificate(buyerKey, 100 * unit)).on("tollgate:demo");
        String config = config(proxy.uri());
        proxy.loseNext(2);
        List<Path> dirs = List.of(dir.resolve("a"), dir.resolve("b"), dir.resolve("c"));
        List<GatewayNode> nodes = new ArrayList<>();
        for (Path nodeDir : dirs) {
            nodes.add(GatewayNode.start(nodeDir, config));
        }
        long[] spent = new long[3];
        for (int word = 1; word <= 30; word++) {
            int n = word % 3; // each node's words interleave with the others'
            if (word == 16) { // node b stops and starts again on its ledger file mid-chain
                nodes.get(1).close();
                nodes.set(1, GatewayNode.start(dirs.get(1), config));
            }
            GatewayNode.Answer answer = nodes.get(n).pay("/videos/clip", chain.payWithCommitment(word));
            assertThat(answer.status()).as("word " + word + ": " + answer).isEqualTo(200);
            spent[n] += unit;
        }

        Poll.until("the broker credits every word", () -> credited() == 30 * unit);
        for (GatewayNode node : nodes) {
            node.close();
        }
        assertThat(credited()).as("the 30 words paid, once").isEqualTo(30 * unit);
        for (int n = 0; n < 3; n++) {
            String ledgerId = GatewayNode.nodeId(dirs.get(n));
            assertThat(longs("SELECT credited FROM payword_ledgers WHERE ledger = ?", ledgerId)[0])
                    .as("node " + n + "'s own words").isEqualTo(spent[n]);
            try (SqliteLedger ledger = SqliteLedger.open(GatewayNode.ledgerFile(dirs.get(n)))) {
                assertThat(ledger.unsettledChains(100)).as("node " + n + " settled its words").isEmpty();
            }
        }
        long[] buyerRow = longs("SELECT balance, reserved FROM buyers WHERE id = ?", buyer.account());
        assertThat(buyerRow[0] + buyerRow[1] + credited()).as("balance + reserved + credited").isEqualTo(DEPOSIT);
    }

    /** A PayWord certificate of {@code limit} the broker issues to the buyer for {@code key}. */
    private String certificate(KeyPair key, long limit) throws Exception {
        String body = JSON.writeValueAsString(Map.of("publicKey", PayWordBuyer.publicJwk(key),
                "limit", Long.toString(limit), "ttlSeconds", 3600));
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
                        URI.create(broker.baseUri() + "/v1/payword/certificates"))
                .header("Authorization", "Bearer " + buyer.apiKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        return JSON.readTree(answer.body()).get("certificate").asText();
    }

    /** The node that ran in {@code nodeDir} recorded as settled everything it charged. */
    private static void assertNothingUnsettled(Path nodeDir) {
        try (SqliteLedger ledger = SqliteLedger.open(GatewayNode.ledgerFile(nodeDir))) {
            assertThat(ledger.unsettled(100)).as("unsettled at " + nodeDir).isEmpty();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** At the broker: the buyer's reservation is the budget less what was credited, and no micro-unit is lost. */
    private void assertMoneyConserved(long budget, long charged) throws Exception {
        long[] buyerRow = longs("SELECT balance, reserved FROM buyers WHERE id = ?", buyer.account());
        assertThat(buyerRow[1]).as("reserved: the budget less what was credited").isEqualTo(budget - charged);
        assertThat(buyerRow[0] + buyerRow[1] + credited()).as("balance + reserved + credited").isEqualTo(DEPOSIT);
    }

    private long credited() throws Exception {
        return longs("SELECT credited FROM sellers WHERE id = ?", TestBroker.SELLER)[0];
    }

    /** What each ledger redeemed on the scrip, as the broker keeps it. */
    private Map<String, Long> redeemedByLedger(String jti) throws Exception {
        Map<String, Long> byLedger = new HashMap<>();
        try (Connection db = brokerDatabase();
             PreparedStatement ps = db.prepareStatement("SELECT ledger, redeemed FROM scrip_ledgers WHERE scrip = ?")) {
            ps.setString(1, jti);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byLedger.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return byLedger;
    }

    private long[] longs(String sql, String id) throws Exception {
        try (Connection db = brokerDatabase(); PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as(sql + " " + id).isTrue();
                long[] values = new long[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = rs.getLong(i + 1);
                }
                return values;
            }
        }
    }

    /** The running broker's database, read beside it (the driver itself: a stopped filter deregisters its own). */
    private Connection brokerDatabase() throws Exception {
        return new org.sqlite.JDBC().connect("jdbc:sqlite:" + dir.resolve("broker").resolve("broker.db"),
                new Properties());
    }
}
