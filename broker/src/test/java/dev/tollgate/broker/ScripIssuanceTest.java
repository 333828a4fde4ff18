package dev.tollgate.broker;

import static dev.tollgate.broker.TestBrokers.get;
import static dev.tollgate.broker.TestBrokers.issue;
import static dev.tollgate.broker.TestBrokers.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.gateway.ledger.ScripAccount;

final class ScripIssuanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Broker broker;

    @BeforeEach
    void start() {
        broker = TestBrokers.startDemo(dir);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void issuedScripVerifiesWithTheGatewaysOwnVerifierAndCarriesTheRightClaims() throws Exception {
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        Instant before = Instant.now().minusSeconds(1);

        Answer a = post(broker, "/v1/scrip", "{\"seller\":\"daily-byte\",\"budget\":\"250000\",\"ttlSeconds\":600}",
                buyer.apiKey());

        assertThat(a.status()).isEqualTo(201);
        String token = a.text("token");
        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            ScripAccount scrip = gateway.verify(token);
            assertThat(scrip.issuer()).isEqualTo(TestBrokers.ISSUER);
            assertThat(scrip.seller()).isEqualTo(TestBrokers.SELLER);
            assertThat(scrip.jti()).isEqualTo(a.text("jti"));
            assertThat(scrip.budgetMicros()).isEqualTo(250_000);
            assertThat(scrip.currency()).isEqualTo("USD");
            assertThat(scrip.buyer()).startsWith("p-").doesNotContain(buyer.account());
            assertThat(scrip.expiresAt()).isEqualTo(Instant.parse(a.text("expiresAt")));
            assertThat(scrip.expiresAt()).isBetween(before.plusSeconds(600), Instant.now().plusSeconds(601));
        }
        String[] parts = token.split("\\.");
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        assertThat(header.get("alg").asText()).isEqualTo("EdDSA");
        assertThat(header.get("typ").asText()).isEqualTo("tollgate-scrip+jwt");
        assertThat(header.get("kid").asText()).isEqualTo(broker.currentKid());
        JsonNode claims = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        assertThat(claims.get("aud").isTextual()).isTrue();
        assertThat(claims.get("budget").isTextual()).isTrue();
        assertThat(claims.get("nbf").asLong()).isEqualTo(claims.get("iat").asLong());
        assertThat(Base64.getUrlDecoder().decode(claims.get("jti").asText())).hasSize(16);
    }

    @Test
    void theBudgetMovesFromBalanceToReservedAndTheScripIsListed() {
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);

        Answer a = issue(broker, buyer, TestBrokers.SELLER, 1_250_000);
        Answer me = get(broker, "/v1/accounts/me", buyer.apiKey());

        assertThat(a.status()).isEqualTo(201);
        assertThat(me.micros("balance")).isEqualTo(3_750_000);
        assertThat(me.micros("reserved")).isEqualTo(1_250_000);
        JsonNode scrip = me.json().get("scrip").get(0);
        assertThat(scrip.get("jti").asText()).isEqualTo(a.text("jti"));
        assertThat(scrip.get("seller").asText()).isEqualTo(TestBrokers.SELLER);
        assertThat(scrip.get("budget").asText()).isEqualTo("1250000");
        assertThat(scrip.get("redeemed").asText()).isEqualTo("0");
        assertThat(scrip.get("expiresAt").asText()).isEqualTo(a.text("expiresAt"));
        assertThat(scrip.get("status").asText()).isEqualTo("active");
    }

    @Test
    void theSamePseudonymIsUsedForEveryScripOfOneBuyerAndDiffersBetweenBuyers() throws Exception {
        Buyer alice = TestBrokers.newBuyer(broker, 5_000_000);
        Buyer bob = TestBrokers.newBuyer(broker, 5_000_000);

        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            String a1 = gateway.verify(issue(broker, alice, TestBrokers.SELLER, 1000).text("token")).buyer();
            String a2 = gateway.verify(issue(broker, alice, TestBrokers.SELLER, 1000).text("token")).buyer();
            String b1 = gateway.verify(issue(broker, bob, TestBrokers.SELLER, 1000).text("token")).buyer();

            assertThat(a1).isEqualTo(a2).isNotEqualTo(b1);
        }
    }

    @Test
    void anOverdraftIsRefusedAndChangesNothing() {
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);

        Answer a = issue(broker, buyer, TestBrokers.SELLER, 1_000_001);
        Answer me = get(broker, "/v1/accounts/me", buyer.apiKey());

        assertThat(a.status()).isEqualTo(409);
        assertThat(a.text("error")).isEqualTo("insufficient_funds");
        assertThat(me.micros("balance")).isEqualTo(1_000_000);
        assertThat(me.micros("reserved")).isZero();
        assertThat(me.json().get("scrip")).isEmpty();
    }

    @Test
    void theWholeBalanceCanBeReserved() {
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);

        assertThat(issue(broker, buyer, TestBrokers.SELLER, 1_000_000).status()).isEqualTo(201);
        assertThat(issue(broker, buyer, TestBrokers.SELLER, 1).status()).isEqualTo(409);
    }

    @Test
    void anUnknownSellerIsRefused() {
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);

        Answer a = issue(broker, buyer, "no-such-seller", 1000);

        assertThat(a.status()).isEqualTo(404);
        assertThat(a.text("error")).isEqualTo("unknown_seller");
        assertThat(a.text("message")).contains("no-such-seller");
    }

    @Test
    void fiftyConcurrentScripRequestsNeverReserveMoreThanTheBalance() throws Exception {
        Buyer buyer = TestBrokers.newBuyer(broker, 5_000_000);
        int requests = 50;
        long budget = 300_000; // 16 fit in 5.00, with 200000 left over
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Answer>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                Callable<Answer> call = () -> {
                    go.await();
                    return issue(broker, buyer, TestBrokers.SELLER, budget);
                };
                answers.add(pool.submit(call));
            }
            go.countDown();
            int issued = 0;
            int refused = 0;
            for (Future<Answer> f : answers) {
                Answer a = f.get();
                if (a.status() == 201) {
                    issued++;
                } else {
                    assertThat(a.status()).isEqualTo(409);
                    assertThat(a.text("error")).isEqualTo("insufficient_funds");
                    refused++;
                }
            }
            assertThat(issued).isEqualTo(16);
            assertThat(refused).isEqualTo(34);
        } finally {
            pool.shutdownNow();
        }
        Answer me = get(broker, "/v1/accounts/me", buyer.apiKey());
        assertThat(me.micros("balance")).isEqualTo(200_000);
        assertThat(me.micros("reserved")).isEqualTo(16 * budget);
        assertThat(me.json().get("scrip")).hasSize(16);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }
}
