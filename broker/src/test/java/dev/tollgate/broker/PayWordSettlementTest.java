package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tollgate.broker.TestBrokers.Answer;
import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;

/**
 * Sellers settle PayWord chains in redemption batches: what the chain's requests consumed ({@code spent}), at most the
 * {@code l × unit} its word proves (all of it for a claim without {@code spent}), once, only what was committed; what
 * was never claimed goes back to the buyer at expiry.
 */
final class PayWordSettlementTest {

    private static final Duration GRACE = Duration.ofHours(2);
    private static final long UNIT = 1_000;
    private static final long LIMIT = 1_000_000;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock();
    private final SecureRandom random = new SecureRandom();
    private final KeyPair buyerKey = TestSellers.newKeyPair();
    private Broker broker;
    private TestSellers.Key seller;
    private TestSellers.Key other;
    private Buyer buyer;
    private String certificate;
    private PayWordChain chain;
    private String commitment;

    @BeforeEach
    void start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).settlementGrace(GRACE)
                .sweepInterval(Duration.ZERO).build().start();
        seller = TestSellers.register(broker, "daily-byte");
        other = TestSellers.register(broker, "other-news");
        buyer = TestBrokers.newBuyer(broker, 5_000_000);
        certificate = TestPayWord.certificate(broker, buyer, buyerKey, LIMIT);
        chain = PayWordChain.generate(100, random);
        commitment = commit(seller.id(), chain, UNIT);
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private String commit(String sellerId, PayWordChain c, long unit) {
        return TestPayWord.commit(buyerKey, sellerId, certificate, c, unit, now());
    }

    private ObjectNode redeem(ObjectNode claim) {
        return TestPayWord.only(TestPayWord.redeem(broker, seller, now(), List.of(claim)));
    }

    private ObjectNode redeem(int index) {
        return redeem(TestPayWord.claim(commitment, chain, index));
    }

    private long credited(String sellerId) throws Exception {
        long[] c = broker.statements().creditsBySeller().get(sellerId);
        assertThat(c[0]).as("credit equals the sum of redemptions").isEqualTo(c[1]);
        return c[0];
    }

    private JsonNode me() {
        return TestBrokers.get(broker, ApiHandler.ME_PATH, buyer.apiKey()).json();
    }

    private void assertRefused(ObjectNode result, String reason) throws Exception {
        assertThat(result.get("status").asText()).as(result.toString()).isEqualTo("refused");
        assertThat(result.get("reason").asText()).isEqualTo(reason);
        assertThat(result.has("credited")).isFalse();
        assertThat(credited(seller.id())).isZero();
        assertThat(me().get("reserved").asText()).isEqualTo(Long.toString(LIMIT));
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aClaimWithoutSpentAsOlderGatewaysSendItIsCreditedIndexTimesUnit() throws Exception {
        ObjectNode r = redeem(37);

        assertThat(r.get("commitmentId").asText()).isEqualTo(PayWord.commitmentId(commitment));
        assertThat(r.get("status").asText()).isEqualTo("credited");
        assertThat(r.get("credited").asText()).isEqualTo("37000");
        assertThat(r.get("redeemed").asText()).isEqualTo("37000");
        assertThat(r.get("index").asLong()).isEqualTo(37);
        assertThat(credited(seller.id())).isEqualTo(37_000);
        assertThat(me().get("reserved").asText()).isEqualTo(Long.toString(LIMIT - 37_000));
        assertThat(me().at("/paywordCertificates/0/redeemed").asText()).isEqualTo("37000");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aReplayedOrLowerClaimPaysNothing() throws Exception {
        redeem(37);

        ObjectNode replay = redeem(37);
        ObjectNode lower = redeem(12);

        for (ObjectNode r : List.of(replay, lower)) {
            assertThat(r.get("status").asText()).isEqualTo("unchanged");
            assertThat(r.get("credited").asText()).isEqualTo("0");
            assertThat(r.get("redeemed").asText()).isEqualTo("37000");
            assertThat(r.get("index").asLong()).isEqualTo(37);
        }
        assertThat(credited(seller.id())).isEqualTo(37_000);
    }

    @Test
    void aHigherIndexLaterPaysTheDifference() throws Exception {
        redeem(37);

        ObjectNode r = redeem(100);

        assertThat(r.get("status").asText()).isEqualTo("credited");
        assertThat(r.get("credited").asText()).isEqualTo("63000");
        assertThat(r.get("redeemed").asText()).isEqualTo("100000");
        assertThat(r.get("index").asLong()).isEqualTo(100);
        assertThat(credited(seller.id())).isEqualTo(100_000);
    }

    @Test
    void aForgedWordIsRefused() throws Exception {
        byte[] forged = chain.word(37);
        forged[0] ^= 1;

        assertRefused(redeem(TestPayWord.claim(commitment, 37, PayWord.encodeWord(forged))), "invalid_word");
    }

    @Test
    void aWordOfAnotherChainIsRefused() throws Exception {
        PayWordChain another = PayWordChain.generate(100, random);

        assertRefused(redeem(TestPayWord.claim(commitment, another, 37)), "invalid_word");
    }

    @Test
    void aWordClaimedAtTheWrongIndexIsRefused() throws Exception {
        assertRefused(redeem(TestPayWord.claim(commitment, 38, PayWord.encodeWord(chain.word(37)))),
                "invalid_word");
    }

    @Test
    void anIndexBeyondTheChainOrBelowOneIsRefused() throws Exception {
        String top = PayWord.encodeWord(PayWord.hash(chain.word(100), 0));

        assertRefused(redeem(TestPayWord.claim(commitment, 101, top)), "invalid_index");
        assertRefused(redeem(TestPayWord.claim(commitment, 0, PayWord.encodeWord(chain.root()))), "invalid_index");
        assertRefused(redeem(TestPayWord.claim(commitment, -1, top)), "invalid_index");
    }

    @Test
    void aCommitmentSignedByAnotherKeyIsRefused() throws Exception {
        String forged = TestPayWord.commit(TestSellers.newKeyPair(), seller.id(), certificate, chain, UNIT, now());

        assertRefused(redeem(TestPayWord.claim(forged, chain, 37)), "invalid_commitment");
    }

    @Test
    void aCertificateSignedByAnotherKeyIsRefused() throws Exception {
        // Same header (the broker's kid) and claims, a signature by a key that is not the broker's.
        String[] parts = certificate.split("\\.");
        ObjectNode header = (ObjectNode) TestSellers.JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        ObjectNode claims = (ObjectNode) TestSellers.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        claims.put("limit", "5000000");
        String forgedCert = TestSellers.sign(TestSellers.newKeyPair().getPrivate(), header, claims);
        String forged = TestPayWord.commit(buyerKey, seller.id(), forgedCert, chain, UNIT, now());

        assertRefused(redeem(TestPayWord.claim(forged, chain, 37)), "invalid_certificate");
    }

    @Test
    void aCertificateTheBrokerNeverIssuedIsRefused() throws Exception {
        String[] parts = certificate.split("\\.");
        ObjectNode header = (ObjectNode) TestSellers.JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        ObjectNode claims = (ObjectNode) TestSellers.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        claims.put("jti", "never-issued");
        String unknown = TestSellers.sign(TestSellers.newKeyPair().getPrivate(), header, claims);
        String c = TestPayWord.commit(buyerKey, seller.id(), unknown, chain, UNIT, now());

        assertRefused(redeem(TestPayWord.claim(c, chain, 37)), "unknown_certificate");
    }

    @Test
    void aCommitmentForAnotherSellerIsRefused() throws Exception {
        String forOther = commit(other.id(), chain, UNIT);

        assertRefused(redeem(TestPayWord.claim(forOther, chain, 37)), "wrong_seller");
    }

    @Test
    void aCommitmentBeyondTheCertificateLimitIsRefused() throws Exception {
        String tooMuch = commit(seller.id(), chain, LIMIT / 100 + 1);
        String overflowing = TestPayWord.commit(buyerKey, seller.id(), certificate,
                PayWord.encodeWord(chain.root()), 100, Long.MAX_VALUE / 50, now(), now() + 60);

        assertRefused(redeem(TestPayWord.claim(tooMuch, chain, 37)), "invalid_commitment");
        assertRefused(redeem(TestPayWord.claim(overflowing, chain, 37)), "invalid_commitment");
    }

    @Test
    void aCommitmentOutlivingItsCertificateIsRefused() throws Exception {
        String outliving = TestPayWord.commit(buyerKey, seller.id(), certificate, PayWord.encodeWord(chain.root()),
                100, UNIT, now(), now() + 3601);

        assertRefused(redeem(TestPayWord.claim(outliving, chain, 37)), "invalid_commitment");
    }

    @Test
    void aSecondCommitmentToTheSameChainPaysNothing() throws Exception {
        redeem(37);
        String again = commit(seller.id(), chain, UNIT);

        ObjectNode r = redeem(TestPayWord.claim(again, chain, 37));

        assertThat(r.get("status").asText()).isEqualTo("refused");
        assertThat(r.get("reason").asText()).isEqualTo("invalid_commitment");
        assertThat(credited(seller.id())).isEqualTo(37_000);
    }

    @Test
    void oneChainCommittedToTwoSellersIsCreditedToEachWithinTheReservation() throws Exception {
        String toOther = commit(other.id(), chain, UNIT);

        ObjectNode mine = redeem(37);
        ObjectNode theirs = TestPayWord.only(TestPayWord.redeem(broker, other, now(),
                List.of(TestPayWord.claim(toOther, chain, 20))));

        assertThat(mine.get("credited").asText()).isEqualTo("37000");
        assertThat(theirs.get("status").asText()).as(theirs.toString()).isEqualTo("credited");
        assertThat(theirs.get("credited").asText()).isEqualTo("20000");
        assertThat(credited(seller.id())).isEqualTo(37_000);
        assertThat(credited(other.id())).isEqualTo(20_000);
        assertThat(me().get("reserved").asText()).isEqualTo(Long.toString(LIMIT - 57_000));
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void anOverCommittedCertificateIsCreditedFirstClaimedFirstUpToItsLimit() throws Exception {
        // Two commitments of 800000 each on a certificate of 1000000.
        PayWordChain a = PayWordChain.generate(800, random);
        PayWordChain b = PayWordChain.generate(800, random);
        String toSeller = commit(seller.id(), a, UNIT);
        String toOther = commit(other.id(), b, UNIT);

        ObjectNode first = TestPayWord.only(TestPayWord.redeem(broker, other, now(),
                List.of(TestPayWord.claim(toOther, b, 700))));
        ObjectNode second = redeem(TestPayWord.claim(toSeller, a, 500));
        ObjectNode third = redeem(TestPayWord.claim(toSeller, a, 800));

        assertThat(first.get("credited").asText()).isEqualTo("700000");
        assertThat(second.get("status").asText()).isEqualTo("credited");
        assertThat(second.get("credited").asText()).isEqualTo("300000");
        assertThat(second.get("index").asLong()).isEqualTo(500);
        assertThat(third.get("status").asText()).isEqualTo("unchanged");
        assertThat(credited(other.id())).isEqualTo(700_000);
        assertThat(credited(seller.id())).isEqualTo(300_000);
        assertThat(me().get("reserved").asText()).isEqualTo("0");
        assertThat(me().get("balance").asText()).isEqualTo("4000000");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void scripAndPayWordClaimsSettleInOneBatch() throws Exception {
        Answer scrip = TestBrokers.issue(broker, buyer, seller.id(), 500_000);

        Answer a = TestPayWord.redeem(broker, seller, now(), List.of(
                TestPayWord.scripClaim(scrip.text("jti"), 200_000), TestPayWord.claim(commitment, chain, 10)));

        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.json().at("/results/0/jti").asText()).isEqualTo(scrip.text("jti"));
        assertThat(a.json().at("/results/0/credited").asText()).isEqualTo("200000");
        assertThat(a.json().at("/results/0/index").isMissingNode()).isTrue();
        assertThat(a.json().at("/results/1/commitmentId").asText()).isEqualTo(PayWord.commitmentId(commitment));
        assertThat(a.json().at("/results/1/credited").asText()).isEqualTo("10000");
        assertThat(credited(seller.id())).isEqualTo(210_000);
        JsonNode statement = TestSellers.statement(broker, seller.id(), "Tollgate-Seller "
                + TestSellers.statementToken(seller, now(), "/v1/sellers/" + seller.id() + "/statement")).json();
        assertThat(statement.get("credited").asText()).isEqualTo("210000");
        JsonNode listed = statement.get("payword").get(0);
        assertThat(listed.get("commitmentId").asText()).isEqualTo(PayWord.commitmentId(commitment));
        assertThat(listed.get("n").asLong()).isEqualTo(100);
        assertThat(listed.get("unit").asText()).isEqualTo("1000");
        assertThat(listed.get("index").asLong()).isEqualTo(10);
        assertThat(listed.get("credited").asText()).isEqualTo("10000");
    }

    @Test
    void malformedPayWordEntriesRefuseTheWholeBatch() throws Exception {
        Answer scrip = TestBrokers.issue(broker, buyer, seller.id(), 500_000);
        String word = PayWord.encodeWord(chain.word(5));
        List<ObjectNode> bad = List.of(
                TestPayWord.claim(commitment, 5, "short"),
                (ObjectNode) TestPayWord.claim(commitment, 5, word).put("index", "5"),
                (ObjectNode) TestPayWord.claim(commitment, 5, word).put("credited", "5"),
                (ObjectNode) TestPayWord.claim(commitment, 5, word).put("commitment", 7),
                (ObjectNode) TestSellers.JSON.createObjectNode().put("index", 5).put("word", word));
        for (ObjectNode entry : bad) {
            Answer a = TestPayWord.redeem(broker, seller, now(),
                    List.of(TestPayWord.scripClaim(scrip.text("jti"), 1), entry));
            assertThat(a.status()).as(entry.toString()).isEqualTo(400);
            assertThat(a.text("error")).isEqualTo("invalid_request");
            assertThat(a.body()).doesNotContain(word);
        }
        for (ObjectNode entry : List.of((ObjectNode) TestPayWord.claim(commitment, 5, word).put("spent", 5),
                (ObjectNode) TestPayWord.claim(commitment, 5, word).put("spent", "-1"),
                (ObjectNode) TestPayWord.claim(commitment, 5, word).put("spent", "1.5"))) {
            Answer a = TestPayWord.redeem(broker, seller, now(), List.of(entry));
            assertThat(a.status()).as(entry.toString()).isEqualTo(400);
            assertThat(a.text("error")).isEqualTo("invalid_amount");
        }
        Answer twice = TestPayWord.redeem(broker, seller, now(), List.of(TestPayWord.claim(commitment, chain, 5),
                TestPayWord.claim(commitment, chain, 6)));
        assertThat(twice.status()).isEqualTo(400);
        assertThat(credited(seller.id())).isZero();
    }

    private ObjectNode redeem(int index, long spent) {
        return redeem((ObjectNode) TestPayWord.claim(commitment, chain, index).put("spent", Long.toString(spent)));
    }

    @Test
    void aClaimIsCreditedWhatItsRequestsConsumedAndNeverMoreThanItsWordProves() throws Exception {
        ObjectNode consumed = redeem(40, 27_500); // 40 words revealed, 27.5 units consumed

        assertThat(consumed.get("status").asText()).isEqualTo("credited");
        assertThat(consumed.get("credited").asText()).isEqualTo("27500");
        assertThat(consumed.get("redeemed").asText()).isEqualTo("27500");
        assertThat(consumed.get("index").asLong()).isEqualTo(40);

        ObjectNode beyond = redeem(40, 90_000); // more than 40 words paid: credited up to what they prove
        assertThat(beyond.get("credited").asText()).isEqualTo("12500");
        assertThat(beyond.get("redeemed").asText()).isEqualTo("40000");
        assertThat(redeem(45, 39_000).get("status").asText()).as("below what was credited").isEqualTo("unchanged");
        assertThat(credited(seller.id())).isEqualTo(40_000);
        assertThat(me().get("reserved").asText()).isEqualTo(Long.toString(LIMIT - 40_000));
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void creditRevealedButNeverConsumedGoesBackToTheBuyerAtExpiry() throws Exception {
        redeem(60, 20_000); // words up to 60 revealed ahead, 20 units consumed
        redeem(60, 35_000);
        clock.advance(Duration.ofHours(1).plus(GRACE));

        assertThat(broker.returnExpiredScrip()).isEqualTo(1);

        assertThat(credited(seller.id())).as("what was consumed").isEqualTo(35_000);
        assertThat(me().get("reserved").asText()).isEqualTo("0");
        assertThat(me().get("balance").asText()).as("the 25 words paid ahead came back too")
                .isEqualTo(Long.toString(5_000_000 - 35_000));
        assertThat(me().at("/paywordCertificates/0/redeemed").asText()).isEqualTo("35000");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aBatchAskingForTooMuchHashingIsRefusedBeforeHashing() throws Exception {
        String top = PayWord.encodeWord(chain.word(100));
        Answer a = TestPayWord.redeem(broker, seller, now(), List.of(
                TestPayWord.claim(commitment, PayWordClaims.MAX_BATCH_HASHES, top),
                TestPayWord.claim(commit(seller.id(), PayWordChain.generate(2, random), UNIT), 1, top)));

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.text("error")).isEqualTo("batch_too_large");
    }

    @Test
    void aCertificateExpiredPastTheGraceIsRefusedAndItsRemainderReturned() throws Exception {
        redeem(20);
        clock.advance(Duration.ofHours(1).plus(GRACE).plusSeconds(1));

        ObjectNode late = redeem(50);

        assertThat(late.get("status").asText()).isEqualTo("refused");
        assertThat(late.get("reason").asText()).isEqualTo("expired");
        assertThat(credited(seller.id())).isEqualTo(20_000);
        assertThat(me().get("reserved").asText()).isEqualTo("0");
        assertThat(me().get("balance").asText()).isEqualTo(Long.toString(5_000_000 - 20_000));
        assertThat(me().at("/paywordCertificates/0/status").asText()).isEqualTo("returned");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void withinTheGraceAnExpiredCertificateStillSettles() throws Exception {
        clock.advance(Duration.ofHours(1).plus(GRACE).minusSeconds(1));

        assertThat(broker.returnExpiredScrip()).isZero();
        assertThat(me().at("/paywordCertificates/0/status").asText()).isEqualTo("expired");
        assertThat(redeem(20).get("credited").asText()).isEqualTo("20000");
    }

    @Test
    void theSweepReturnsTheRemainderOfAnExpiredCertificate() throws Exception {
        redeem(30);
        clock.advance(Duration.ofHours(1).plus(GRACE));

        assertThat(broker.returnExpiredScrip()).isEqualTo(1);
        assertThat(broker.returnExpiredScrip()).isZero();

        assertThat(me().get("reserved").asText()).isEqualTo("0");
        assertThat(me().get("balance").asText()).isEqualTo(Long.toString(5_000_000 - 30_000));
        assertThat(redeem(60).get("reason").asText()).isEqualTo("expired");
        assertThat(credited(seller.id())).isEqualTo(30_000);
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aCertificateSignedBeforeAKeyRotationStillSettles() throws Exception {
        broker.close();
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).settlementGrace(Duration.ofDays(3))
                .sweepInterval(Duration.ZERO).build().start();
        broker.rotateKey();
        clock.advance(Duration.ofHours(30)); // past the certificate's expiry, within the grace
        broker.rotateKey(); // the key that signed the certificate leaves the JWKS

        assertThat(broker.keys().published()).hasSize(2);
        assertThat(redeem(25).get("credited").asText()).isEqualTo("25000");
    }

    @Test
    void aChainLongerThanTheBrokerSettlesIsRefused() throws Exception {
        broker.accounts().deposit(buyer.account(), 20_000_000, "test");
        String big = TestPayWord.certificate(broker, buyer, buyerKey, 20_000_000);
        String tooLong = TestPayWord.commit(buyerKey, seller.id(), big, PayWord.encodeWord(chain.root()),
                PayWordClaims.MAX_CHAIN_LENGTH + 1, 1, now(), now() + 60);

        ObjectNode r = redeem(TestPayWord.claim(tooLong, chain, 37));

        assertThat(r.get("reason").asText()).isEqualTo("invalid_commitment");
        assertThat(credited(seller.id())).isZero();
    }
}
