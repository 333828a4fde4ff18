package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.protocol.CompactWord;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.ScripReference;
import java.nio.file.Path;
import java.util.Base64;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compact PayWord words (PROTOCOL.md section 8, "Compact words") through a real Jetty server, a real SQLite ledger and
 * signed JWS: a {@code TOLLGATE-PAYWORD} header pays exactly as the same word in {@code PAYMENT-SIGNATURE} with
 * {@code commitmentId} does, and is refused with the same codes, charging nothing.
 */
final class PayWordCompactTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long AGREED = 1_000_000;

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private PayWordBuyer buyer;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(PayWordPaymentTest.RULES).start();
        buyer = new PayWordBuyer(gateway.broker); // 100 words of 1 cent, on tollgate:test
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpTester.Response full(String path, String header) throws Exception {
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, header);
    }

    private HttpTester.Response compact(String path, String header) throws Exception {
        return gateway.get(path, PaymentHeaders.TOLLGATE_PAYWORD, header);
    }

    private String word(PayWordBuyer of, int index, long amount) {
        return new CompactWord("test", of.commitmentId(), index, of.chain().word(index), amount, null).header();
    }

    private String word(int index) {
        return word(buyer, index, AGREED);
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
        assertThat(response.get(PaymentHeaders.PAYMENT_REQUIRED)).isNotNull(); // the offer, to act on
    }

    private ChainHead head(PayWordBuyer of) throws Exception {
        ChainAccount account = gateway.filter.parts.payWords.account(of.commitmentId());
        return gateway.filter.ledger().chainHead(account);
    }

    /** Pays the first word with the commitment, as a chain must start; returns the head then. */
    private ChainHead started() throws Exception {
        assertThat(full("/videos/0", buyer.payWithCommitment(1)).getStatus()).isEqualTo(200);
        return head(buyer);
    }

    private void assertNothingCharged(ChainHead before) throws Exception {
        ChainHead now = head(buyer);
        assertThat(now.index()).isEqualTo(before.index());
        assertThat(now.paidMicros()).isEqualTo(before.paidMicros());
        assertThat(now.spentMicros()).isEqualTo(before.spentMicros());
    }

    @Test
    void aLaterWordInTheCompactHeaderIsChargedAndReceiptedAsTheSameWordInTheFullHeader() throws Exception {
        PayWordBuyer other = new PayWordBuyer(gateway.broker);
        assertThat(full("/videos/a", buyer.payWithCommitment(1)).getStatus()).isEqualTo(200);
        assertThat(full("/videos/a", other.payWithCommitment(1)).getStatus()).isEqualTo(200);

        HttpTester.Response byFull = full("/videos/b", other.payById(3));
        HttpTester.Response byCompact = compact("/videos/b", word(3));

        assertThat(byCompact.getStatus()).as(byCompact.getContent()).isEqualTo(200);
        assertThat(byCompact.getContent()).isEqualTo("content of /videos/b");
        JsonNode compactReceipt = receipt(byCompact);
        JsonNode fullReceipt = receipt(byFull);
        assertThat(compactReceipt.get("transaction").asText()).startsWith("r-")
                .isNotEqualTo(fullReceipt.get("transaction").asText());
        ((com.fasterxml.jackson.databind.node.ObjectNode) compactReceipt).remove("transaction");
        ((com.fasterxml.jackson.databind.node.ObjectNode) fullReceipt).remove("transaction");
        assertThat(compactReceipt).isEqualTo(fullReceipt);
        assertThat(compactReceipt.get("amount").asText()).isEqualTo("10000");
        assertThat(compactReceipt.get("network").asText()).isEqualTo("tollgate:test");
        assertThat(compactReceipt.get("extra").get("remaining").asText()).isEqualTo("10000"); // 3 paid, 2 used
        assertThat(compactReceipt.get("extra").get("index").asInt()).isEqualTo(3);
        assertThat(byCompact.get("X-Paid").split(" r-")[0]).isEqualTo(byFull.get("X-Paid").split(" r-")[0]);
        assertThat(byCompact.get("Vary")).contains(PaymentHeaders.TOLLGATE_PAYWORD);
        assertThat(head(buyer).index()).isEqualTo(head(other).index()).isEqualTo(3);
        assertThat(head(buyer).paidMicros()).isEqualTo(head(other).paidMicros()).isEqualTo(30_000);
        assertThat(head(buyer).spentMicros()).isEqualTo(head(other).spentMicros()).isEqualTo(20_000);
    }

    @Test
    void theOfferNamesTheCompactHeaderForEveryPayWordEntry() throws Exception {
        JsonNode offer = body(gateway.get("/videos/1"));

        for (JsonNode accepted : offer.get("accepts")) {
            boolean payword = accepted.get("scheme").asText().equals(PayWord.SCHEME);
            assertThat(accepted.get("extra").path("compactHeader").asText(null))
                    .isEqualTo(payword ? PaymentHeaders.TOLLGATE_PAYWORD : null);
        }
    }

    @Test
    void compactWordsPayAMeteredRuleFromTheChainsCredit() throws Exception {
        started();

        HttpTester.Response metered = compact("/meter/abcdefghij", word(5)); // 28 bytes: 4 units of 8 bytes

        assertThat(metered.getStatus()).as(metered.getContent()).isEqualTo(200);
        assertThat(metered.getContent()).isEqualTo("content of /meter/abcdefghij");
        assertThat(head(buyer).index()).isEqualTo(5);
        assertThat(head(buyer).spentMicros()).isEqualTo(50_000);
    }

    @Test
    void aChainRecordedBeforeARestartIsPaidByCompactWordsAfterIt() throws Exception {
        started();
        gateway.stop();
        gateway.start();

        HttpTester.Response afterRestart = compact("/videos/2", word(2));

        assertThat(afterRestart.getStatus()).as(afterRestart.getContent()).isEqualTo(200);
        assertThat(receipt(afterRestart).get("extra").get("index").asInt()).isEqualTo(2);
        assertRefused(compact("/videos/2", word(2)), "insufficient_budget"); // a word pays once
    }

    @Test
    void aMalformedCompactHeaderIsRefusedAndChargesNothing() throws Exception {
        ChainHead before = started();
        long hashed = gateway.filter.parts.payWords.hashSteps.sum();
        String id = buyer.commitmentId();
        String w2 = PayWord.encodeWord(buyer.chain().word(2));
        String[] malformed = {
            "",
            id + "; index=2; word=" + w2 + "; amount=1000000", // no broker id
            "test." + id + "; word=" + w2 + "; index=2; amount=1000000", // parts out of order
            "test." + id + "; index=2; word=" + w2, // no amount
            "test." + id + "; index=02; word=" + w2 + "; amount=1000000",
            "test." + id + "; index=-2; word=" + w2 + "; amount=1000000",
            "test." + id + "; index=2147483648; word=" + w2 + "; amount=1000000",
            "test." + id + "; index=2; word=" + w2.substring(1) + "; amount=1000000",
            "test." + id + "; index=2; word=" + w2.substring(0, 42) + "B; amount=1000000", // non-canonical
            "test." + id + "; index=2; word=" + w2 + "; amount=0.01",
            "test." + id + "; index=2; word=" + w2 + "; amount=1000000; id=short",
            "test." + id + "; index=2; word=" + w2 + "; amount=1000000; id=pay_0123456789abcdef; more=1",
            "test." + id.substring(1) + "; index=2; word=" + w2 + "; amount=1000000",
            "other." + id + "; index=2; word=" + w2 + "; amount=1000000", // a broker this seller has not
        };
        for (String header : malformed) {
            HttpTester.Response response = compact("/videos/1", header);
            assertRefused(response, "malformed_payment");
            assertThat(response.getContent()).doesNotContain(w2); // a word is a bearer credential
        }
        assertNothingCharged(before);
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isEqualTo(hashed);
    }

    @Test
    void aPaymentIdentifierOfTheRightFormIsAcceptedAndIgnoredAsInTheFullHeader() throws Exception {
        started();

        HttpTester.Response named = compact("/videos/2", word(2) + "; id=pay_7d5d747be160e280504c099d984bcfe0");

        assertThat(named.getStatus()).as(named.getContent()).isEqualTo(200);
        assertThat(receipt(named).get("extra").has("replayed")).isFalse();
    }

    @Test
    void aHeaderLongerThanTheCapIsRefusedBeforeItIsRead() throws Exception {
        ChainHead before = started();
        String header = word(2) + "; id=" + "a".repeat(CompactWord.MAX_HEADER_CHARS);

        HttpTester.Response response = compact("/videos/2", header);

        assertRefused(response, "malformed_payment");
        assertThat(body(response).toString()).contains("longer than " + CompactWord.MAX_HEADER_CHARS);
        assertNothingCharged(before);
    }

    @Test
    void aCompactWordOnAChainTheSellerHasNotRecordedIsUnknown() throws Exception {
        HttpTester.Response response = compact("/videos/1", word(1));

        assertRefused(response, "unknown_commitment");
        assertThat(body(response).toString()).contains("send it again with 'commitment'");
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isZero();
    }

    @Test
    void aWrongWordIsRefusedAndChargesNothing() throws Exception {
        ChainHead before = started();
        PayWordBuyer other = new PayWordBuyer(gateway.broker);
        String forged = new CompactWord("test", buyer.commitmentId(), 2, other.chain().word(2), AGREED, null)
                .header();

        HttpTester.Response response = compact("/videos/2", forged);

        assertRefused(response, "invalid_word");
        assertThat(response.getContent()).doesNotContain(PayWord.encodeWord(other.chain().word(2)));
        assertNothingCharged(before);
    }

    @Test
    void aStepBeyondMaxStepIsRefusedWithoutHashing() throws Exception {
        ChainHead before = started();
        long hashed = gateway.filter.parts.payWords.hashSteps.sum();

        assertRefused(compact("/videos/2", word(52)), "step_too_large"); // max-step 50, head at 1
        assertRefused(compact("/videos/2", word(0)), "index_out_of_range");
        assertNothingCharged(before);
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isEqualTo(hashed);
    }

    @Test
    void anAmountBelowThePriceIsRefusedPriceChanged() throws Exception {
        ChainHead before = started();

        HttpTester.Response response = compact("/videos/2", word(buyer, 2, 9_999));

        assertRefused(response, "price_changed");
        assertNothingCharged(before);
    }

    @Test
    void aRuleThatDoesNotAcceptPayWordOrConfirmsOnlineRefusesTheCompactWord() throws Exception {
        ChainHead before = started();

        HttpTester.Response scripOnly = compact("/articles/1", word(buyer, 6, AGREED));
        HttpTester.Response online = compact("/confirmed/1", word(2));

        assertRefused(scripOnly, "malformed_payment");
        assertThat(body(scripOnly).toString()).contains("pay with scheme scrip");
        assertRefused(online, "malformed_payment");
        assertThat(body(online).toString()).contains("online confirmation");
        assertNothingCharged(before);
    }

    @Test
    void theFullHeaderWinsOverTheCompactOne() throws Exception {
        started();

        HttpTester.Response both = gateway.get("/videos/2", PaymentHeaders.PAYMENT_SIGNATURE, buyer.payById(2),
                PaymentHeaders.TOLLGATE_PAYWORD, "not a word");

        assertThat(both.getStatus()).as(both.getContent()).isEqualTo(200);
        assertThat(head(buyer).index()).isEqualTo(2);
        assertThat(head(buyer).spentMicros()).isEqualTo(20_000);
    }

    @Test
    void aReferenceAndACompactWordTogetherAreRefusedAndChargeNothing() throws Exception {
        ChainHead before = started();
        String reference = new ScripReference("1.test.j.1.t", 50_000, null).header();

        HttpTester.Response both = gateway.get("/videos/2", PaymentHeaders.TOLLGATE_REFERENCE, reference,
                PaymentHeaders.TOLLGATE_PAYWORD, word(2));

        assertRefused(both, "malformed_payment");
        assertThat(body(both).toString()).contains("not both");
        assertNothingCharged(before);
        assertThat(compact("/videos/2", word(2)).getStatus()).isEqualTo(200); // the word was not spent
    }
}
