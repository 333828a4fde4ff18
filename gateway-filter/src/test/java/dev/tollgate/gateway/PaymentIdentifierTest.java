package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * x402's {@code payment-identifier} extension through real Jetty and a real ledger (PROTOCOL.md section 11): a paid
 * request sent again under its identifier, as after a lost answer, gets the content with the first charge's receipt
 * and costs nothing more; the identifier cannot buy another resource.
 */
final class PaymentIdentifierTest {

    private static final String ID = "pay_7d5d747be160e280504c099d984bcfe0";
    private static final String RULES = String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "  - match: /videos/**",
            "    price: 0.05",
            "    charge: per-stream",
            "    window: 1h",
            "  - match: /boom",
            "    price: 0.05",
            "");

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir);
        gateway.writeConfig(RULES).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private static String header(String token, String id) {
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:test", "50000", "USD",
                TestBroker.SELLER, 60, Map.of());
        Map<String, Object> extensions = Map.of("payment-identifier", Map.of("info", Map.of("required", false,
                "id", id)));
        return X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://shop.test/", "", ""), accepted,
                Map.of("token", token), extensions));
    }

    private HttpTester.Response get(String path, String token, String id) throws Exception {
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, header(token, id));
    }

    private HttpTester.Response send(String method, String path, String token, String id) throws Exception {
        return gateway.request(method, path, PaymentHeaders.PAYMENT_SIGNATURE, header(token, id));
    }

    private static SettlementResponse receipt(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_RESPONSE), SettlementResponse.class);
    }

    private static PaymentRequired offer(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_REQUIRED), PaymentRequired.class);
    }

    private long remaining(String jti, long budget) throws Exception {
        return gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER,
                TestBroker.SELLER, budget, "USD", Instant.now()));
    }

    @Test
    void aPerClickOfferDeclaresTheExtensionAndAStreamOfferDoesNot() throws Exception {
        PaymentRequired article = offer(gateway.get("/articles/one"));
        PaymentRequired video = offer(gateway.get("/videos/one.mp4"));

        assertThat(article.extensions()).containsKey("payment-identifier");
        @SuppressWarnings("unchecked")
        Map<String, Object> declared = (Map<String, Object>) article.extensions().get("payment-identifier");
        assertThat(declared).containsEntry("info", Map.of("required", false)).containsKey("schema");
        assertThat(video.extensions() == null ? Map.of() : video.extensions()).doesNotContainKey("payment-identifier");
    }

    @Test
    void theSamePaymentSentAgainGetsTheContentAndTheFirstReceiptAndCostsNothingMore() throws Exception {
        String token = gateway.broker.scrip().jti("j-id").budget("200000").sign();
        HttpTester.Response first = get("/articles/one", token, ID);
        assertThat(first.getStatus()).isEqualTo(200);

        HttpTester.Response again = get("/articles/one", token, ID);

        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(gateway.body(again)).isEqualTo("content of /articles/one");
        SettlementResponse original = receipt(first);
        SettlementResponse replayed = receipt(again);
        assertThat(replayed.transaction()).isEqualTo(original.transaction());
        assertThat(replayed.amount()).isEqualTo("50000");
        assertThat(replayed.extra()).containsEntry("remaining", "150000").containsEntry("replayed", true);
        assertThat(original.extra()).doesNotContainKey("replayed");
        assertThat(remaining("j-id", 200_000)).isEqualTo(150_000);

        HttpTester.Response next = get("/articles/two", token, ID + "-next");
        assertThat(receipt(next).extra()).containsEntry("remaining", "100000");
    }

    @Test
    void anIdentifierUsedForAnotherResourceIsRefusedAndCostsNothing() throws Exception {
        String token = gateway.broker.scrip().jti("j-other").budget("200000").sign();
        assertThat(get("/articles/one", token, ID).getStatus()).isEqualTo(200);

        HttpTester.Response other = get("/articles/two", token, ID);

        assertThat(other.getStatus()).isEqualTo(402);
        assertThat(offer(other).error()).isEqualTo("malformed_payment");
        assertThat(gateway.body(other)).contains("already made for another resource");
        assertThat(remaining("j-other", 200_000)).isEqualTo(150_000);
    }

    @Test
    void anIdentifierOfTheWrongFormIsRefusedBeforeAnyCharge() throws Exception {
        String token = gateway.broker.scrip().jti("j-form").budget("200000").sign();
        for (String id : new String[] {"short", "x".repeat(129), "has space in it 0123", "ünïcödé-0123456789"}) {
            HttpTester.Response response = get("/articles/one", token, id);

            assertThat(response.getStatus()).as(id).isEqualTo(402);
            assertThat(offer(response).error()).isEqualTo("malformed_payment");
            assertThat(gateway.body(response)).contains("info.id must be 16 to 128");
        }
        assertThat(remaining("j-form", 200_000)).isEqualTo(200_000);
    }

    @Test
    void withoutAnIdentifierEachRequestIsItsOwnPayment() throws Exception {
        String token = gateway.broker.scrip().jti("j-none").budget("200000").sign();

        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);

        assertThat(remaining("j-none", 200_000)).isEqualTo(100_000);
    }

    @Test
    void aRequestWhoseContentFailedIsRefundedAndItsRetryUnderTheSameIdentifierPays() throws Exception {
        String token = gateway.broker.scrip().jti("j-boom").budget("200000").sign();
        HttpTester.Response failed = get("/boom", token, ID);
        assertThat(failed.getStatus()).isEqualTo(500);
        assertThat(remaining("j-boom", 200_000)).isEqualTo(200_000);

        HttpTester.Response again = get("/boom", token, ID);

        assertThat(again.getStatus()).isEqualTo(500);
        assertThat(receipt(again).extra()).containsEntry("refunded", true).doesNotContainKey("replayed");
        assertThat(remaining("j-boom", 200_000)).isEqualTo(200_000);
    }

    @Test
    void anIdentifierSentWithAnotherQueryIsAnotherPaymentAndIsCharged() throws Exception {
        String token = gateway.broker.scrip().jti("j-query").budget("200000").sign();
        assertThat(get("/articles/search?q=one", token, ID).getStatus()).isEqualTo(200);

        HttpTester.Response other = get("/articles/search?q=two", token, ID);

        assertThat(other.getStatus()).isEqualTo(200);
        assertThat(receipt(other).extra()).doesNotContainKey("replayed");
        assertThat(receipt(other).amount()).isEqualTo("50000");
        assertThat(remaining("j-query", 200_000)).isEqualTo(100_000);
    }

    @Test
    void aHeadPaidUnderAnIdentifierDoesNotPayForAGetUnderIt() throws Exception {
        String token = gateway.broker.scrip().jti("j-head").budget("200000").sign();
        assertThat(send("HEAD", "/articles/one", token, ID).getStatus()).isEqualTo(200);

        HttpTester.Response get = get("/articles/one", token, ID);

        assertThat(get.getStatus()).isEqualTo(200);
        assertThat(receipt(get).extra()).doesNotContainKey("replayed");
        assertThat(remaining("j-head", 200_000)).isEqualTo(100_000);
    }

    @Test
    void aPostIsChargedEachTimeAndItsOfferDeclaresNoIdentifier() throws Exception {
        // The app runs again for a replay: a POST under one id could make any number of orders or answers for one
        // payment, so ids are kept for GET and HEAD only (whose answers a replay repeats).
        String token = gateway.broker.scrip().jti("j-post").budget("200000").sign();
        PaymentRequired offer = offer(gateway.request("POST", "/articles/one"));
        assertThat(offer.extensions() == null ? Map.of() : offer.extensions()).doesNotContainKey("payment-identifier");

        assertThat(send("POST", "/articles/one", token, ID).getStatus()).isEqualTo(200);
        HttpTester.Response again = send("POST", "/articles/one", token, ID);

        assertThat(again.getStatus()).isEqualTo(200);
        assertThat(receipt(again).extra()).doesNotContainKey("replayed");
        assertThat(remaining("j-post", 200_000)).isEqualTo(100_000);
    }

    @Test
    void headersThatDifferOnlyInWhatTheBuyerEchoedVerifyTheirScripOnce() throws Exception {
        String token = gateway.broker.scrip().jti("j-once").budget("500000").sign();
        long before = gateway.filter.parts.reader.verifications();

        for (int i = 0; i < 5; i++) {
            assertThat(get("/articles/" + i, token, ID + "-" + i).getStatus()).isEqualTo(200);
        }
        assertThat(gateway.paidGet("/articles/plain", token, 50_000).getStatus()).isEqualTo(200);

        assertThat(gateway.filter.parts.reader.verifications() - before).as("signature checks").isEqualTo(1);
        assertThat(remaining("j-once", 500_000)).isEqualTo(200_000);
    }
}
