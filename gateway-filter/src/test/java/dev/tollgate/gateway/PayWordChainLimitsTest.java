package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one certificate may commit at one seller, and what one payment may cost the gateway (PROTOCOL.md section 8):
 * a re-signed commitment never pays the same words again, several commitments never spend the certificate's limit
 * more than once, a payment that pays nothing (per-click or metered) records no chain, and a payment hashes at most
 * twice max-step.
 */
final class PayWordChainLimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private PayWordBuyer startWith(Ledger ledger) throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(PayWordPaymentTest.RULES);
        if (ledger == null) {
            gateway.start();
        } else {
            gateway.start(ledger);
        }
        return new PayWordBuyer(gateway.broker); // 100 words of 1 cent, limit 1 USD
    }

    private HttpTester.Response pay(String path, String header) throws Exception {
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, header);
    }

    private static void assertRefused(HttpTester.Response response, String code, String messagePart)
            throws Exception {
        assertThat(response.getStatus()).as(response.getContent()).isEqualTo(402);
        JsonNode body = JSON.readTree(response.getContentBytes());
        assertThat(body.get("error").asText()).isEqualTo(code);
        assertThat(body.toString()).contains(messagePart);
    }

    @Test
    void aReSignedCommitmentCannotPayTheSameWordsAgain() throws Exception {
        PayWordBuyer buyer = startWith(null);
        for (int i = 1; i <= 3; i++) {
            String header = i == 1 ? buyer.payWithCommitment(i) : buyer.payById(i);
            assertThat(pay("/videos/" + i, header).getStatus()).isEqualTo(200);
        }
        String original = buyer.payById(4);

        // The same claims under another header member: a new commitment text, so a new id.
        buyer.commitmentHeader("x-again", "1");
        HttpTester.Response replay = pay("/videos/1", buyer.payWithCommitment(1));
        // The same chain under a new jti, too.
        buyer.commitmentHeader("x-again", null).commitmentClaim("jti", UUID.randomUUID().toString());
        HttpTester.Response newJti = pay("/videos/1", buyer.payWithCommitment(1));

        assertRefused(replay, "invalid_commitment", "root");
        assertRefused(newJti, "invalid_commitment", "root");
        assertThat(pay("/videos/4", original).getStatus()).as("the original chain still pays").isEqualTo(200);
    }

    @Test
    void theCertificatesLimitIsNotSpentAgainByAnotherCommitment() throws Exception {
        PayWordBuyer buyer = startWith(null).unit(5_000); // 100 x 0.005 = half the limit
        assertThat(pay("/videos/1", buyer.payWithCommitment(2)).getStatus()).isEqualTo(200);
        buyer.length(100).commitmentClaim("jti", UUID.randomUUID().toString());
        assertThat(pay("/videos/2", buyer.payWithCommitment(2)).getStatus()).as("the other half").isEqualTo(200);

        // Two words pay the price: a chain that could pay, refused for the limit alone.
        buyer.length(2).commitmentClaim("jti", UUID.randomUUID().toString());
        HttpTester.Response third = pay("/videos/3", buyer.payWithCommitment(2));

        assertRefused(third, "invalid_commitment", "limit");
        assertThat(gateway.filter.ledger().commitment(TestBroker.ISSUER, buyer.commitmentId())).isEmpty();
    }

    @Test
    void aMeteredPaymentWorthLessThanOneUnitIsRefusedAndRecordsNoChain() throws Exception {
        PayWordBuyer buyer = startWith(null).length(1000).unit(1_000); // a unit costs 1 cent: 10 words

        HttpTester.Response cheap = pay("/meter/abc", buyer.payWithCommitment(9));

        assertRefused(cheap, "insufficient_budget", "pay index 10 or higher");
        assertThat(gateway.filter.ledger().commitment(TestBroker.ISSUER, buyer.commitmentId())).isEmpty();
        HttpTester.Response enough = pay("/meter/abc", buyer.payWithCommitment(10));
        assertThat(enough.getStatus()).as(enough.getContent()).isEqualTo(200);
        assertThat(enough.getContent()).isEqualTo("content "); // one unit of 8 bytes, then the credit ends
    }

    @Test
    void perClickPaymentsThatCannotPayThePriceRecordNoChainAndAreNotRemembered() throws Exception {
        PayWordBuyer buyer = startWith(null).unit(1_000); // a word pays 0.001: ten of them pay for a video

        for (int i = 0; i < 20; i++) {
            buyer.length(100).commitmentClaim("jti", UUID.randomUUID().toString());
            HttpTester.Response cheap = pay("/videos/" + i, buyer.payWithCommitment(9));

            assertRefused(cheap, "insufficient_budget", "pay index 10 or higher");
            assertThat(gateway.filter.ledger().commitment(TestBroker.ISSUER, buyer.commitmentId())).isEmpty();
            assertThat(gateway.filter.parts.payWords.account(buyer.commitmentId())).isNull();
        }
        HttpTester.Response enough = pay("/videos/last", buyer.payWithCommitment(10));
        assertThat(enough.getStatus()).as(enough.getContent()).isEqualTo(200);
        assertThat(gateway.filter.ledger().commitment(TestBroker.ISSUER, buyer.commitmentId())).isPresent();
        assertThat(gateway.filter.parts.payWords.account(buyer.commitmentId())).isNotNull();
    }

    @Test
    void aPaymentWhoseHeadKeepsMovingHashesAtMostTwiceMaxStepThenAsksToRetry() throws Exception {
        SqliteLedger real = SqliteLedger.open(dir.resolve("moving.db"));
        PayWordBuyer[] buyer = new PayWordBuyer[1];
        Ledger moving = new Delegating(real) {
            private int calls;

            @Override
            public ChargeResult chargeChain(ChainAccount chain, ChainHead expected, int index, byte[] word,
                                            long amountMicros, String resource) {
                // Another payment always got there first, alternately at index 1 and back at the root.
                calls++;
                return new ChargeResult.HeadMoved(calls % 2 == 1
                        ? new ChainHead(1, buyer[0].chain().word(1), 10_000, 0)
                        : new ChainHead(0, buyer[0].chain().root(), 0, 0));
            }
        };
        buyer[0] = startWith(moving);

        HttpTester.Response busy = pay("/videos/1", buyer[0].payWithCommitment(50)); // max-step is 50

        assertThat(busy.getStatus()).as(busy.getContent()).isEqualTo(503);
        assertThat(JSON.readTree(busy.getContentBytes()).get("error").asText()).isEqualTo("ledger_unavailable");
        assertThat(gateway.filter.parts.payWords.hashSteps.sum()).isEqualTo(50 + 49).isLessThanOrEqualTo(2 * 50);
    }

    /** Forwards everything to a real ledger; tests override what they need. */
    private static class Delegating implements Ledger {
        private final Ledger ledger;

        Delegating(Ledger ledger) {
            this.ledger = ledger;
        }

        @Override
        public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource)
                throws LedgerUnavailableException {
            return ledger.charge(scrip, amountMicros, resource);
        }

        @Override
        public boolean refund(String receiptId) throws LedgerUnavailableException {
            return ledger.refund(receiptId);
        }

        @Override
        public long remaining(ScripAccount scrip) throws LedgerUnavailableException {
            return ledger.remaining(scrip);
        }

        @Override
        public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
            return ledger.unsettled(limit);
        }

        @Override
        public void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
            ledger.markSettled(issuer, jti, settledMicros);
        }

        @Override
        public ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, Instant now,
                                         Instant entitledUntil) throws LedgerUnavailableException {
            return ledger.chargeStream(scrip, amountMicros, stream, now, entitledUntil);
        }

        @Override
        public ChainHead chainHead(ChainAccount chain) throws LedgerUnavailableException {
            return ledger.chainHead(chain);
        }

        @Override
        public ChargeResult chargeChain(ChainAccount chain, ChainHead expected, int index, byte[] word,
                                        long amountMicros, String resource) throws LedgerUnavailableException {
            return ledger.chargeChain(chain, expected, index, word, amountMicros, resource);
        }

        @Override
        public Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
            return ledger.commitment(issuer, commitmentId);
        }

        @Override
        public List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException {
            return ledger.unsettledChains(limit);
        }

        @Override
        public void markChainSettled(String issuer, String commitmentId, long settledMicros, int settledIndex)
                throws LedgerUnavailableException {
            ledger.markChainSettled(issuer, commitmentId, settledMicros, settledIndex);
        }

        @Override
        public void close() {
            ledger.close();
        }
    }
}
