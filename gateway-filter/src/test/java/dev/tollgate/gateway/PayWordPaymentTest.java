package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;
import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PayWord payments (PROTOCOL.md section 8) through a real Jetty server, a real SQLite ledger and signed JWS. */
public final class PayWordPaymentTest {

    public static final String RULES = String.join("\n",
            "payword:",
            "  max-chain-length: 1000",
            "  max-step: 50",
            "rules:",
            "  - match: /videos/**",
            "    price: 0.01",
            "    schemes: [scrip, payword]",
            "  - match: /missing/**",
            "    price: 0.01",
            "    schemes: [scrip, payword]",
            "  - match: /triple/**",
            "    price: 0.03",
            "    schemes: [scrip, payword]",
            "  - match: /meter/**",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 8B",
            "    schemes: [scrip, payword]",
            "  - match: /confirmed/**",
            "    price: 0.01",
            "    confirm: online",
            "    schemes: [scrip, payword]",
            "  - match: /articles/**",
            "    price: 0.05",
            "  - match: /throws/**",
            "    price: 0.01",
            "    schemes: [scrip, payword]",
            "");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private PayWordBuyer buyer;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).serve("/throws/*", () -> new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) {
                throw new IllegalStateException("the app failed");
            }
        })).writeConfig(RULES).start();
        buyer = new PayWordBuyer(gateway.broker); // 100 words of 1 cent, limit 1 USD
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpTester.Response pay(String path, String header) throws Exception {
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, header);
    }

    private static JsonNode receipt(HttpTester.Response response) throws Exception {
        return JSON.readTree(Base64.getDecoder().decode(response.get(PaymentHeaders.PAYMENT_RESPONSE)));
    }

    private static JsonNode body(HttpTester.Response response) throws Exception {
        return JSON.readTree(response.getContentBytes());
    }

    private static void assertRefused(HttpTester.Response response, String code) throws Exception {
        assertThat(response.getStatus()).as(response.getContent()).isEqualTo(402);
        assertThat(body(response).get("error").asText()).isEqualTo(code);
    }

    private ChainHead head() throws Exception {
        ChainAccount account = gateway.filter.parts.payWords.account(buyer.commitmentId());
        return gateway.filter.ledger().chainHead(account);
    }

    @Test
    void aKnownAnswerChainComputedIndependentlyPaysOneWordPerUnit() throws Exception {
        byte[] top = new byte[32];
        PayWordChain chain = PayWordChain.fromTop(top, 3);
        // SHA-256 of 32 zero bytes, a published constant; then the chain by hand.
        byte[] w2 = HexFormat.of().parseHex("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] w1 = sha.digest(w2);
        byte[] w0 = sha.digest(w1);
        assertThat(chain.word(2)).isEqualTo(w2);
        assertThat(chain.root()).isEqualTo(w0);
        buyer.chain(chain);

        HttpTester.Response first = pay("/videos/1", buyer.payWithCommitment(1));
        HttpTester.Response second = pay("/videos/2", buyer.payById(2));

        assertThat(first.getStatus()).as(first.getContent()).isEqualTo(200);
        assertThat(first.getContent()).isEqualTo("content of /videos/1");
        assertThat(receipt(first).get("amount").asText()).isEqualTo("10000");
        assertThat(receipt(first).get("payer").asText()).isEqualTo(TestBroker.BUYER);
        assertThat(receipt(first).get("extra").get("remaining").asText()).isEqualTo("0");
        assertThat(receipt(first).get("extra").get("index").asInt()).isEqualTo(1);
        assertThat(first.get("X-Paid")).startsWith("10000 0 " + TestBroker.BUYER + " r-");
        assertThat(second.getStatus()).isEqualTo(200);
        assertThat(receipt(second).get("extra").get("index").asInt()).isEqualTo(2);
        assertThat(head().index()).isEqualTo(2);
        assertThat(head().word()).isEqualTo(w2);
        assertThat(head().paidMicros()).isEqualTo(20_000);
        assertThat(head().spentMicros()).isEqualTo(20_000);
    }

    @Test
    void theFirstPaymentCarriesTheCommitmentAndLaterOnesOnlyItsId() throws Exception {
        assertThat(pay("/videos/a", buyer.payWithCommitment(2)).getStatus()).isEqualTo(200);
        HttpTester.Response byId = pay("/videos/b", buyer.payById(4));

        assertThat(byId.getStatus()).isEqualTo(200);
        assertThat(receipt(byId).get("extra").get("remaining").asText()).isEqualTo("20000"); // 4 paid, 2 used
        assertThat(receipt(byId).get("extra").get("index").asInt()).isEqualTo(4);
        assertThat(head().paidMicros()).isEqualTo(40_000);
    }

    @Test
    void aForgedWordIsRefused() throws Exception {
        assertThat(pay("/videos/1", buyer.payWithCommitment(1)).getStatus()).isEqualTo(200);

        assertRefused(pay("/videos/2", buyer.payById(2, new byte[32])), "invalid_word");
        assertThat(head().index()).isEqualTo(1);
    }

    @Test
    void aWordFromAnotherChainIsRefused() throws Exception {
        PayWordBuyer other = new PayWordBuyer(gateway.broker);
        assertThat(pay("/videos/1", buyer.payWithCommitment(1)).getStatus()).isEqualTo(200);

        assertRefused(pay("/videos/2", buyer.payById(2, other.chain().word(2))), "invalid_word");
    }

    @Test
    void theSameIndexWithAnotherWordIsRefused() throws Exception {
        assertThat(pay("/videos/1", buyer.payWithCommitment(3)).getStatus()).isEqualTo(200);

        assertRefused(pay("/videos/2", buyer.payById(3, buyer.chain().word(4))), "invalid_word");
        assertRefused(pay("/videos/2", buyer.payById(2, buyer.chain().word(3))), "invalid_word");
    }

    @Test
    void aGenuineLowerWordConsumesTheCreditLeftAndThenTheHeadIsNamed() throws Exception {
        assertThat(pay("/videos/3", buyer.payWithCommitment(3)).getStatus()).isEqualTo(200); // 3 paid, 1 used

        assertThat(pay("/videos/2", buyer.payById(2)).getStatus()).isEqualTo(200);
        assertThat(pay("/videos/1", buyer.payById(1)).getStatus()).isEqualTo(200);
        HttpTester.Response backwards = pay("/videos/1", buyer.payById(1));

        assertRefused(backwards, "insufficient_budget");
        JsonNode chain = body(backwards).get("extensions").get("tollgate").get("chain");
        assertThat(chain.get("commitmentId").asText()).isEqualTo(buyer.commitmentId());
        assertThat(chain.get("index").asInt()).isEqualTo(3);
        assertThat(chain.get("credit").asText()).isEqualTo("0");
        assertThat(body(backwards).get("extensions").get("tollgate").get("message").asText())
                .contains("pay index 4 or higher");
        assertThat(head().paidMicros()).isEqualTo(30_000);
        assertThat(head().spentMicros()).isEqualTo(30_000);
    }

    @Test
    void aHugeIndexJumpIsRefusedWithoutHashing() throws Exception {
        buyer.length(1000).unit(1_000);

        HttpTester.Response jump = pay("/videos/1", buyer.payWithCommitment(1000));

        assertRefused(jump, "step_too_large");
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isZero();
        assertThat(pay("/videos/1", buyer.payById(60, new byte[32])).getStatus()).isEqualTo(402);
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isZero();
    }

    @Test
    void anIndexOutsideTheChainIsRefused() throws Exception {
        assertRefused(pay("/videos/1", buyer.payWithCommitment(0)), "index_out_of_range");
        assertRefused(pay("/videos/1", PayWordBuyer.header(Map.of(PayWord.COMMITMENT, buyer.commitment(),
                PayWord.INDEX, 101, PayWord.WORD, PayWord.encodeWord(new byte[32])))), "index_out_of_range");
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isZero();
    }

    @Test
    void anIndexThatIsNotAJsonIntegerIsMalformed() throws Exception {
        String word = PayWord.encodeWord(buyer.chain().word(1));
        for (Object index : new Object[] {"1", 1.5, 10_000_000_000L, new java.math.BigInteger("1" + "0".repeat(30))}) {
            assertRefused(pay("/videos/1", PayWordBuyer.header(Map.of(PayWord.COMMITMENT, buyer.commitment(),
                    PayWord.INDEX, index, PayWord.WORD, word))), "malformed_payment");
        }
        assertRefused(pay("/videos/1", PayWordBuyer.header(Map.of(PayWord.COMMITMENT, buyer.commitment(),
                PayWord.WORD, word))), "malformed_payment");
    }

    @Test
    void sixteenConcurrentSegmentRequestsWithConsecutiveIndicesAreAllServedAndConsumeWhatTheHeadPaid()
            throws Exception {
        assertThat(pay("/videos/seg-0", buyer.payWithCommitment(1)).getStatus()).isEqualTo(200);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
            for (int i = 2; i <= 17; i++) {
                String payment = buyer.payById(i);
                String path = "/videos/seg-" + i;
                statuses.add(pool.submit(() -> {
                    go.await();
                    return pay(path, payment).getStatus();
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<Integer> status : statuses) {
                assertThat(status.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(head().index()).isEqualTo(17);
        assertThat(head().paidMicros()).isEqualTo(170_000);
        assertThat(head().spentMicros()).isEqualTo(170_000);
    }

    @Test
    void aReplayedPaymentNeverChargesTwice() throws Exception {
        String payment = buyer.payWithCommitment(1);
        assertThat(pay("/videos/1", payment).getStatus()).isEqualTo(200);

        assertRefused(pay("/videos/1", payment), "insufficient_budget");
        assertRefused(pay("/videos/1", buyer.payById(1)), "insufficient_budget");
        assertThat(head().paidMicros()).isEqualTo(10_000);
        assertThat(head().spentMicros()).isEqualTo(10_000);
    }

    @Test
    void aPriceAboveTheChainsCreditIsRefusedWithTheIndexToPay() throws Exception {
        HttpTester.Response short1 = pay("/triple/1", buyer.payWithCommitment(1));

        assertRefused(short1, "insufficient_budget");
        assertThat(body(short1).get("extensions").get("tollgate").get("chain").get("index").asInt()).isZero();
        // Nothing was recorded: the next payment carries the commitment again.
        assertThat(body(short1).get("extensions").get("tollgate").get("message").asText())
                .contains("send the commitment");
        assertRefused(pay("/triple/1", buyer.payById(3)), "unknown_commitment");
        assertThat(pay("/triple/1", buyer.payWithCommitment(3)).getStatus()).isEqualTo(200);
        assertThat(head().spentMicros()).isEqualTo(30_000);
    }

    @Test
    void aFailedResponseReturnsThePriceToTheChainsCredit() throws Exception {
        HttpTester.Response missing = pay("/missing/1", buyer.payWithCommitment(1));

        assertThat(missing.getStatus()).isEqualTo(404);
        assertThat(receipt(missing).get("extra").get("refunded").asBoolean()).isTrue();
        assertThat(head().spentMicros()).isZero();
        assertThat(pay("/videos/1", buyer.payById(1)).getStatus()).isEqualTo(200);
    }

    /** What the app throws on a PayWord-paid request reaches the container, after the price went back to the chain. */
    @Test
    void anAppThatThrowsOnAPayWordPaymentFailsAsTheContainerSaysAndReturnsThePrice() throws Exception {
        HttpTester.Response failed = pay("/throws/1", buyer.payWithCommitment(1));

        assertThat(failed.getStatus()).isEqualTo(500);
        assertThat(head().spentMicros()).isZero();
        assertThat(pay("/videos/1", buyer.payById(1)).getStatus()).isEqualTo(200);
    }

    @Test
    void aMeteredResponseDrawsEachUnitFromTheChainsCredit() throws Exception {
        String body = "content of /meter/abcdefghij"; // 28 bytes: 4 units of 8 bytes

        HttpTester.Response full = pay("/meter/abcdefghij", buyer.payWithCommitment(6));

        assertThat(full.getStatus()).as(full.getContent()).isEqualTo(200);
        assertThat(full.getContent()).isEqualTo(body);
        assertThat(head().index()).isEqualTo(6);
        assertThat(head().spentMicros()).isEqualTo(40_000);
        assertThat(head().creditMicros()).isEqualTo(20_000);
    }

    @Test
    void aMeteredResponseIsCutWhereTheChainsCreditEnds() throws Exception {
        HttpTester.Response cut = pay("/meter/abcdefghij", buyer.payWithCommitment(2));

        assertThat(cut.getContent()).isEqualTo("content of /mete"); // 2 units of 8 bytes
        assertThat(head().spentMicros()).isEqualTo(20_000);
        assertThat(head().creditMicros()).isZero();
    }

    @Test
    void payWordIsRefusedWhereTheRuleAcceptsScripOnly() throws Exception {
        HttpTester.Response response = pay("/articles/1", buyer.payWithCommitment(5));

        assertRefused(response, "malformed_payment");
        assertThat(body(response).toString()).contains("pay with scheme scrip");
    }

    @Test
    void payWordIsRefusedWhereTheBrokerMustConfirmEachChargeOnline() throws Exception {
        HttpTester.Response response = pay("/confirmed/1", buyer.payWithCommitment(1));

        assertRefused(response, "malformed_payment");
        assertThat(body(response).toString()).contains("online confirmation");
    }

    @Test
    void anUnknownCommitmentIdIsRefused() throws Exception {
        assertRefused(pay("/videos/1", buyer.payById(1)), "unknown_commitment");
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        long past = gateway.clock.instant().minusSeconds(60).getEpochSecond();
        buyer.certificateClaim("exp", past).commitmentClaim("exp", past - 60);

        assertRefused(pay("/videos/1", buyer.payWithCommitment(1)), "expired_token");
    }

    @Test
    void aCertificateSignedByAnotherKeyIsRefused() throws Exception {
        String published = gateway.broker.currentKid();
        String other = gateway.broker.rotate();
        gateway.broker.removeKey(other);
        buyer.certificateSignedBy(other).certificateHeader("kid", published);

        assertRefused(pay("/videos/1", buyer.payWithCommitment(1)), "invalid_certificate");
    }

    @Test
    void aCommitmentSignedByAnotherKeyIsRefused() throws Exception {
        buyer.commitmentSignedBy(PayWordBuyer.newKey());

        assertRefused(pay("/videos/1", buyer.payWithCommitment(1)), "invalid_commitment");
    }

    @Test
    void aCommitmentForAnotherSellerIsRefused() throws Exception {
        buyer.commitmentClaim("aud", "seller-2");

        assertRefused(pay("/videos/1", buyer.payWithCommitment(1)), "wrong_audience");
    }

    @Test
    void aChainLongerThanTheConfiguredMaximumIsRefused() throws Exception {
        buyer.length(1001).unit(100);

        assertRefused(pay("/videos/1", buyer.payWithCommitment(1)), "invalid_commitment");
    }

    @Test
    void aChainWorthMoreThanItsCertificatesLimitIsRefused() throws Exception {
        buyer.certificateClaim("limit", "999999"); // 100 x 1 cent = 1,000,000

        assertRefused(pay("/videos/1", buyer.payWithCommitment(1)), "invalid_commitment");
    }

    @Test
    void aChainSurvivesARestartAndIsPaidByIdAfterIt() throws Exception {
        assertThat(pay("/videos/1", buyer.payWithCommitment(1)).getStatus()).isEqualTo(200);
        gateway.stop();
        gateway.start();

        HttpTester.Response afterRestart = pay("/videos/2", buyer.payById(2));

        assertThat(afterRestart.getStatus()).as(afterRestart.getContent()).isEqualTo(200);
        assertThat(receipt(afterRestart).get("extra").get("index").asInt()).isEqualTo(2);
        assertRefused(pay("/videos/2", buyer.payById(1)), "insufficient_budget");
    }
}
