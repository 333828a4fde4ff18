package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PayWord claims (PROTOCOL.md section 8) in the settler's batches, against a real ledger and a fake broker. */
final class PayWordSettlementTest {

    private static final long UNIT = 1_000;
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    @TempDir
    Path dir;

    private SqliteLedger ledger;
    private FakeRedemptionBroker broker;
    private SellerKey key;
    private Settler settler;

    @BeforeEach
    void start() throws Exception {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        broker = new FakeRedemptionBroker();
        key = SellerKey.loadOrCreate(dir);
        broker.register(key.publicJwk());
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), SELLER, ISSUER, Duration.ofHours(1), 10,
                Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)), ledger, key, Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        settler.close(Duration.ZERO);
        ledger.close();
        broker.close();
    }

    /** A chain and a commitment to it; the settler and the fake broker read only its payload. */
    private static ChainAccount chain(PayWordChain words, String issuer) {
        String payload = "{\"aud\":\"" + SELLER + "\",\"root\":\"" + PayWord.encodeWord(words.root()) + "\",\"n\":"
                + words.length() + ",\"unit\":\"" + UNIT + "\",\"jti\":\"" + new SecureRandom().nextLong() + "\"}";
        String jws = B64URL.encodeToString("{\"alg\":\"EdDSA\",\"typ\":\"tollgate-payword+jwt\"}".getBytes(
                StandardCharsets.UTF_8)) + "." + B64URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + "." + B64URL.encodeToString(new byte[64]);
        return new ChainAccount(issuer, PayWord.commitmentId(jws), jws, "buyer-1", SELLER, words.length(), UNIT,
                "USD", Instant.now().plusSeconds(1800), words.root(), "cert-" + PayWord.commitmentId(jws),
                words.length() * UNIT, "jti-" + PayWord.commitmentId(jws));
    }

    private ChargeResult.Charged pay(ChainAccount chain, PayWordChain words, int index, long price)
            throws Exception {
        ChargeResult result = ledger.chargeChain(chain, ledger.chainHead(chain), index, words.word(index), price,
                "/videos/1");
        assertThat(result).isInstanceOf(ChargeResult.Charged.class);
        return (ChargeResult.Charged) result;
    }

    @Test
    void aChainIsClaimedWithItsHeadWordNextToScripAndSettledAtWhatItsRequestsConsumed() throws Exception {
        ChargeResult scrip = ledger.charge(new ScripAccount(ISSUER, "s1", "buyer-1", SELLER, 100_000, "USD",
                Instant.now().plusSeconds(3600)), 5_000, "/articles/1");
        assertThat(scrip).isInstanceOf(ChargeResult.Charged.class);
        PayWordChain words = PayWordChain.generate(20, new SecureRandom());
        ChainAccount chain = chain(words, ISSUER);
        pay(chain, words, 4, 3_000);
        pay(chain, words, 7, 3_000);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);

        assertThat(broker.batchSizes()).containsExactly(2);
        assertThat(broker.payWordClaims()).containsExactly(chain.commitmentId() + " 7 "
                + PayWord.encodeWord(words.word(7)) + " 6000");
        assertThat(broker.chainIndex(chain.commitmentId())).isEqualTo(7);
        assertThat(broker.redeemed(chain.commitmentId())).as("consumed, not the 7 words paid").isEqualTo(6_000);
        assertThat(broker.redeemed("s1")).isEqualTo(5_000);
        assertThat(ledger.unsettledChains(10)).isEmpty();
        assertThat(broker.rejections()).isEmpty();

        pay(chain, words, 9, 2_000);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed(chain.commitmentId())).isEqualTo(8_000);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        assertThat(settler.status().settledSinceStartMicros()).isEqualTo(5_000 + 8_000);
    }

    @Test
    void creditPaidAheadOrRefundedIsNeverClaimed() throws Exception {
        PayWordChain words = PayWordChain.generate(50, new SecureRandom());
        ChainAccount chain = chain(words, ISSUER);
        pay(chain, words, 10, 2_000); // ten words revealed at once: 8 units of credit left
        ChargeResult.Charged failed = pay(chain, words, 10, 3_000);
        ledger.refund(failed.receiptId()); // the app failed: back to the chain's credit

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);

        assertThat(broker.redeemed(chain.commitmentId())).isEqualTo(2_000);
        assertThat(ledger.unsettledChains(10)).isEmpty();
        assertThat(settler.settleOnce()).as("nothing more was consumed").isEqualTo(Settler.Outcome.IDLE);

        pay(chain, words, 3, 4_000); // an earlier word: spends credit already paid
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed(chain.commitmentId())).isEqualTo(6_000);
        assertThat(broker.chainIndex(chain.commitmentId())).isEqualTo(10);
    }

    @Test
    void aChainChargeThatMayStillBeRefundedIsLeftOutOfTheChainsClaimUntilItIsFinal() throws Exception {
        PayWordChain words = PayWordChain.generate(50, new SecureRandom());
        ChainAccount chain = chain(words, ISSUER);
        pay(chain, words, 2, 2_000);
        RefundHold running = settler.holds().chain(ISSUER, chain.commitmentId(), 3_000);
        pay(chain, words, 5, 3_000);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed(chain.commitmentId())).as("the held charge may still be refunded")
                .isEqualTo(2_000);

        running.end(); // its request ended: the charge is final
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(broker.redeemed(chain.commitmentId())).isEqualTo(5_000);
    }

    @Test
    void aPayWordClaimInTheBatchCarriesTheCommitmentTheIndexAndTheWord() throws Exception {
        PayWordChain words = PayWordChain.generate(5, new SecureRandom());
        ChainAccount chain = chain(words, ISSUER);
        pay(chain, words, 3, 1_000);

        String jws = settler.sign(List.of(), ledger.unsettledChains(10), Instant.ofEpochSecond(1_700_000_000));

        JsonNode claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(jws.split("\\.")[1]))
                .get("claims");
        assertThat(claims).hasSize(1);
        assertThat(claims.get(0).get("commitment").asText()).isEqualTo(chain.commitment());
        assertThat(claims.get(0).get("index").isInt()).isTrue();
        assertThat(claims.get(0).get("index").asInt()).isEqualTo(3);
        assertThat(claims.get(0).get("word").asText()).isEqualTo(PayWord.encodeWord(words.word(3)));
        assertThat(claims.get(0).get("spent").asText()).isEqualTo("1000");
        assertThat(claims.get(0)).hasSize(4);
    }

    @Test
    void aChainTheBrokerRefusesForGoodIsNotClaimedAgain() throws Exception {
        PayWordChain words = PayWordChain.generate(5, new SecureRandom());
        ChainAccount chain = chain(words, ISSUER);
        pay(chain, words, 2, 1_000);
        broker.refuse(chain.commitmentId(), "invalid_commitment");

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.SENT);
        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);

        assertThat(broker.claimsOn(chain.commitmentId())).isEqualTo(1);
        assertThat(ledger.unsettledChains(10)).hasSize(1);
    }

    @Test
    void aChainCertifiedByAnotherBrokerIsNotClaimed() throws Exception {
        PayWordChain words = PayWordChain.generate(5, new SecureRandom());
        pay(chain(words, "https://other-broker.test"), words, 2, 1_000);

        assertThat(settler.settleOnce()).isEqualTo(Settler.Outcome.IDLE);
        assertThat(broker.requests()).isZero();
    }
}
