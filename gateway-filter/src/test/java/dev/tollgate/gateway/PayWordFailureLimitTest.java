package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.payment.PayWordScheme;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.protocol.CompactWord;
import dev.tollgate.protocol.PaymentHeaders;
import java.nio.file.Path;
import java.util.function.IntFunction;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failed PayWord payments that name a chain by id ({@code TOLLGATE-PAYWORD}, or {@code PAYMENT-SIGNATURE} with
 * {@code commitmentId}) count against their client as bad tokens do (SECURITY.md): once its failures are spent, the
 * client is refused with 429 before any ledger read, signature check or hashing, while another client's good word
 * still pays. Counted in ledger lookups, signature checks and hashes, not time.
 */
final class PayWordFailureLimitTest {

    static final String RULES = String.join("\n",
            "failed-payments:",
            "  burst: 5",
            "  per-minute: 6",
            "client-address-header: X-Forwarded-For",
            "payword:",
            "  max-chain-length: 1000",
            "  max-step: 50",
            "rules:",
            "  - match: /videos/**",
            "    price: 0.01",
            "    schemes: [scrip, payword]",
            "");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBER = "198.51.100.7";
    private static final String OTHER = "198.51.100.8";

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private PayWordBuyer paying;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(RULES).start();
        paying = new PayWordBuyer(gateway.broker);
        assertThat(full(paying.payWithCommitment(1), OTHER).getStatus()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private PayWordScheme payWords() {
        return gateway.filter.parts.payWords;
    }

    private HttpTester.Response full(String header, String address) throws Exception {
        return gateway.get("/videos/1", PaymentHeaders.PAYMENT_SIGNATURE, header, "X-Forwarded-For", address);
    }

    private HttpTester.Response compact(String header, String address) throws Exception {
        return gateway.get("/videos/1", PaymentHeaders.TOLLGATE_PAYWORD, header, "X-Forwarded-For", address);
    }

    private static String compactWord(PayWordBuyer of, int index, byte[] word) {
        return new CompactWord("test", of.commitmentId(), index, word, 1_000_000, null).header();
    }

    /** Sends {@code count} failing payments from the prober; returns how many were answered 429. */
    private int flood(int count, IntFunction<HttpTester.Response> send, String failure) throws Exception {
        int limited = 0;
        for (int i = 0; i < count; i++) {
            HttpTester.Response response = send.apply(i);
            String error = JSON.readTree(response.getContentBytes()).get("error").asText();
            if (response.getStatus() == 429) {
                limited++;
                assertThat(error).isEqualTo("too_many_failures");
                assertThat(response.get("Retry-After")).isNotNull();
            } else {
                assertThat(response.getStatus()).as(response.getContent()).isEqualTo(402);
                assertThat(error).isEqualTo(failure);
            }
        }
        return limited;
    }

    private HttpTester.Response unchecked(Sender sender) {
        try {
            return sender.send();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private interface Sender {
        HttpTester.Response send() throws Exception;
    }

    private void assertAnotherClientStillPays(int index) throws Exception {
        HttpTester.Response good = compact(compactWord(paying, index, paying.chain().word(index)), OTHER);
        assertThat(good.getStatus()).as(good.getContent()).isEqualTo(200);
    }

    @Test
    void compactWordsOnUnknownChainsCostOnlyTheBurstOfLedgerReads() throws Exception {
        long looked = payWords().storedLookups.sum();

        int limited = flood(20, i -> unchecked(() -> {
            PayWordBuyer unknown = new PayWordBuyer(gateway.broker);
            return compact(compactWord(unknown, 1, unknown.chain().word(1)), PROBER);
        }), "unknown_commitment");

        assertThat(limited).isEqualTo(15);
        assertThat(payWords().storedLookups.sum() - looked).isEqualTo(5);
        assertAnotherClientStillPays(2);
    }

    @Test
    void fullWordsByIdOnUnknownChainsCostOnlyTheBurstOfLedgerReads() throws Exception {
        long looked = payWords().storedLookups.sum();

        int limited = flood(20, i -> unchecked(() -> full(new PayWordBuyer(gateway.broker).payById(1), PROBER)),
                "unknown_commitment");

        assertThat(limited).isEqualTo(15);
        assertThat(payWords().storedLookups.sum() - looked).isEqualTo(5);
        assertAnotherClientStillPays(2);
    }

    @Test
    void wordsOffTheChainCostOnlyTheBurstOfHashing() throws Exception {
        PayWordBuyer forger = new PayWordBuyer(gateway.broker);
        long hashed = payWords().hashSteps.sum();

        int limited = flood(20, i -> unchecked(() -> i % 2 == 0
                ? compact(compactWord(paying, 40, forger.chain().word(40)), PROBER)
                : full(paying.payById(40, forger.chain().word(40)), PROBER)), "invalid_word");

        assertThat(limited).isEqualTo(15);
        assertThat(payWords().hashSteps.sum() - hashed).as("5 words of 39 steps each").isEqualTo(5 * 39);
        assertAnotherClientStillPays(2);
    }

    @Test
    void aChainReloadedFromTheLedgerIsVerifiedOnceThenCachedEvenIfNothingIsCharged() throws Exception {
        gateway.stop();
        gateway.start();
        long checks = payWords().commitmentChecks.sum();
        String spent = compactWord(paying, 1, paying.chain().word(1)); // the credit it paid is used up

        for (int i = 0; i < 3; i++) {
            HttpTester.Response refused = compact(spent, OTHER);
            assertThat(refused.getStatus()).as(refused.getContent()).isEqualTo(402);
            assertThat(JSON.readTree(refused.getContentBytes()).get("error").asText())
                    .isEqualTo("insufficient_budget");
        }
        assertAnotherClientStillPays(2);

        assertThat(payWords().commitmentChecks.sum() - checks).as("verified once, then cached").isEqualTo(1);
        assertThat(payWords().storedLookups.sum()).isEqualTo(1);
    }
}
