package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PayWord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class PayWordVerifierTest {

    private static final Duration SKEW = Duration.ofSeconds(2);
    private static final int MAX_LENGTH = 1000;

    private MutableClock clock;
    private TestBroker broker;
    private JwksServer server;
    private BrokerKeys keys;
    private PayWordVerifier verifier;

    @BeforeEach
    void startBroker() {
        clock = MutableClock.atNow();
        broker = new TestBroker(clock);
        server = JwksServer.start(broker::jwksJson);
        keys = new BrokerKeys(BrokerKeysSettings.of(server.jwksUri()).withClock(clock)
                .withFetchTimeout(Duration.ofSeconds(2)));
        keys.start();
        verifier = new PayWordVerifier(keys, TestBroker.ISSUER, TestBroker.SELLER, TestBroker.CURRENCY, SKEW, clock,
                Duration.ofMinutes(5), 1000);
    }

    @AfterEach
    void stopBroker() {
        keys.close();
        server.close();
    }

    @Test
    void aValidCommitmentVerifiesToTheChainItCommitsTo() throws Exception {
        PayWordBuyer buyer = new PayWordBuyer(broker).length(50).unit(2_000);
        String commitment = buyer.commitment();

        ChainAccount account = verifier.verify(commitment, MAX_LENGTH);

        assertThat(account.commitmentId()).isEqualTo(PayWord.commitmentId(commitment));
        assertThat(account.commitment()).isEqualTo(commitment);
        assertThat(account.issuer()).isEqualTo(TestBroker.ISSUER);
        assertThat(account.buyer()).isEqualTo(TestBroker.BUYER);
        assertThat(account.seller()).isEqualTo(TestBroker.SELLER);
        assertThat(account.length()).isEqualTo(50);
        assertThat(account.unitMicros()).isEqualTo(2_000);
        assertThat(account.currency()).isEqualTo("USD");
        assertThat(account.root()).isEqualTo(buyer.chain().root());
    }

    @Test
    void aCertificateSignedWithTheBrokersEs256KeyIsRefusedAsTheBrokerWouldRefuseItAtSettlement() {
        PayWordBuyer buyer = new PayWordBuyer(broker).certificateSignedBy(broker.es256Kid());

        assertCode(buyer.commitment(), ErrorCode.INVALID_CERTIFICATE);
    }

    @Test
    void aCommitmentWhoseAudienceIsAnArrayIsRefusedEvenIfItNamesOnlyThisSeller() {
        assertCode(new PayWordBuyer(broker).commitmentClaim("aud", List.of(TestBroker.SELLER)).commitment(),
                ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("aud", List.of(TestBroker.SELLER, "seller-2"))
                .commitment(), ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void paddedBase64urlIsRefusedInTheCommitmentAndInItsCertificate() {
        String padded = new PayWordBuyer(broker).padded().commitment();
        assertThat(padded).contains("=");
        assertCode(padded, ErrorCode.INVALID_COMMITMENT);

        PayWordBuyer paddedCert = new PayWordBuyer(broker).padded();
        String cert = paddedCert.certificate();
        assertThat(cert).contains("=");
        assertCode(new PayWordBuyer(broker).commitmentClaim("cert", cert).commitment(),
                ErrorCode.INVALID_CERTIFICATE);
    }

    @Test
    void aSignatureWithNonCanonicalTrailingBitsIsRefused() {
        String commitment = new PayWordBuyer(broker).commitment();
        // 64 bytes take 86 characters; the last carries 4 unused bits, which a canonical encoding leaves zero.
        char last = commitment.charAt(commitment.length() - 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char flipped = alphabet.charAt(alphabet.indexOf(last) | 1);
        assertCode(commitment.substring(0, commitment.length() - 1) + flipped, ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void bytesAfterTheJsonObjectAreRefusedInTheCommitmentAndInItsCertificate() {
        assertCode(new PayWordBuyer(broker).commitmentClaimsSuffix(" {}").commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaimsSuffix("x").commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).certificateClaimsSuffix(" []").commitment(),
                ErrorCode.INVALID_CERTIFICATE);
    }

    @Test
    void aRememberedCommitmentIsFoundByItsIdUntilItIsVerifiedAgainAfterTheKeyRefresh() throws Exception {
        PayWordBuyer buyer = new PayWordBuyer(broker);
        assertThat(verifier.cached(buyer.commitmentId(), MAX_LENGTH)).isNull();

        ChainAccount account = verifier.verify(buyer.commitment(), MAX_LENGTH);
        assertThat(verifier.cached(buyer.commitmentId(), MAX_LENGTH)).as("verified, not yet paid").isNull();
        verifier.remember(account);

        assertThat(verifier.cached(buyer.commitmentId(), MAX_LENGTH)).isNotNull();
        clock.advance(Duration.ofMinutes(4));
        verifier.remember(account); // paid again: its next verification is not put off
        clock.advance(Duration.ofMinutes(1));
        assertThat(verifier.cached(buyer.commitmentId(), MAX_LENGTH)).isNull();
    }

    @Test
    void theCacheHoldsAtMostItsSizeAndItsBytesOfCommitments() {
        PayWordVerifier small = new PayWordVerifier(keys, TestBroker.ISSUER, TestBroker.SELLER, TestBroker.CURRENCY,
                SKEW, clock, Duration.ofMinutes(5), 4);
        PayWordVerifier large = new PayWordVerifier(keys, TestBroker.ISSUER, TestBroker.SELLER, TestBroker.CURRENCY,
                SKEW, clock, Duration.ofMinutes(5), 1_000_000);
        String longest = "x".repeat(PayWordVerifier.MAX_COMMITMENT_CHARS);
        int remembered = 10_000;
        for (int i = 0; i < remembered; i++) {
            ChainAccount account = new ChainAccount(TestBroker.ISSUER, "id-" + i, longest, "buyer", TestBroker.SELLER,
                    10, 1, TestBroker.CURRENCY, clock.instant().plusSeconds(600), new byte[32], "cert", 10, "jti-" + i);
            small.remember(account);
            large.remember(account);
        }

        assertThat(cachedOf(small, remembered)).isLessThanOrEqualTo(4);
        int mostByBytes = (int) (PayWordVerifier.CACHE_BYTES / PayWordVerifier.MAX_COMMITMENT_CHARS);
        assertThat(cachedOf(large, remembered)).isPositive().isLessThanOrEqualTo(mostByBytes).isLessThan(remembered);
    }

    private static int cachedOf(PayWordVerifier verifier, int remembered) {
        int cached = 0;
        for (int i = 0; i < remembered; i++) {
            try {
                cached += verifier.cached("id-" + i, MAX_LENGTH) != null ? 1 : 0;
            } catch (PaymentException e) {
                throw new AssertionError(e);
            }
        }
        return cached;
    }

    @Test
    void anExpiredCertificateIsRefused() {
        PayWordBuyer buyer = new PayWordBuyer(broker)
                .certificateClaim("exp", clock.instant().minusSeconds(60).getEpochSecond())
                .commitmentClaim("exp", clock.instant().minusSeconds(120).getEpochSecond());

        assertCode(buyer.commitment(), ErrorCode.EXPIRED_TOKEN);
    }

    @Test
    void aCertificateSignedByAnotherKeyIsRefused() {
        String publishedKid = broker.currentKid();
        String otherKid = broker.rotate();
        broker.removeKey(otherKid); // can sign, is not published
        PayWordBuyer buyer = new PayWordBuyer(broker).certificateSignedBy(otherKid)
                .certificateHeader("kid", publishedKid);
        // The kid names a published key, the signature is another key's.
        assertCode(buyer.commitment(), ErrorCode.INVALID_CERTIFICATE);
    }

    @Test
    void aCertificateWithAnUnknownKidIsRefused() {
        String otherKid = broker.rotate();
        broker.removeKey(otherKid);

        assertCode(new PayWordBuyer(broker).certificateSignedBy(otherKid).commitment(), ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void aCertificateOfTheWrongTypeIssuerOrCurrencyIsRefused() {
        assertCode(new PayWordBuyer(broker).certificateHeader("typ", "tollgate-scrip+jwt").commitment(),
                ErrorCode.INVALID_CERTIFICATE);
        assertCode(new PayWordBuyer(broker).certificateClaim("iss", "https://other.test").commitment(),
                ErrorCode.WRONG_ISSUER);
        assertCode(new PayWordBuyer(broker).certificateClaim("cur", "EUR").commitment(), ErrorCode.WRONG_CURRENCY);
    }

    @Test
    void aCertificateWithoutAUsableBuyerKeyOrLimitIsRefused() {
        assertCode(new PayWordBuyer(broker).certificateClaim("cnf", null).commitment(),
                ErrorCode.INVALID_CERTIFICATE);
        assertCode(new PayWordBuyer(broker).certificateClaim("cnf", Map.of("jwk", Map.of("kty", "EC", "crv",
                "P-256", "x", "AAAA", "y", "AAAA"))).commitment(), ErrorCode.INVALID_CERTIFICATE);
        assertCode(new PayWordBuyer(broker).certificateClaim("limit", "0").commitment(),
                ErrorCode.INVALID_CERTIFICATE);
        assertCode(new PayWordBuyer(broker).certificateClaim("limit", 1_000_000).commitment(),
                ErrorCode.INVALID_CERTIFICATE);
        assertCode(new PayWordBuyer(broker).certificateClaim("sub", null).commitment(),
                ErrorCode.INVALID_CERTIFICATE);
    }

    @Test
    void aCommitmentSignedByAnotherKeyThanTheCertifiedOneIsRefused() {
        PayWordBuyer buyer = new PayWordBuyer(broker).commitmentSignedBy(PayWordBuyer.newKey());

        assertCode(buyer.commitment(), ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void aCommitmentForAnotherSellerIsRefused() {
        assertCode(new PayWordBuyer(broker).commitmentClaim("aud", "seller-2").commitment(),
                ErrorCode.WRONG_AUDIENCE);
    }

    @Test
    void aCommitmentWithAnotherAlgorithmOrTypeIsRefused() {
        assertCode(new PayWordBuyer(broker).commitmentHeader("alg", "ES256").commitment(),
                ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentHeader("typ", "JWT").commitment(),
                ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentHeader("crit", List.of("exp")).commitment(),
                ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void aChainLongerThanTheMaximumIsRefused() {
        PayWordBuyer buyer = new PayWordBuyer(broker).length(MAX_LENGTH + 1).unit(1);

        assertThatThrownBy(() -> verifier.verify(buyer.commitment(), MAX_LENGTH))
                .isInstanceOf(PaymentException.class)
                .hasMessageContaining("at most " + MAX_LENGTH)
                .extracting(e -> ((PaymentException) e).code()).isEqualTo(ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void aChainWorthMoreThanTheCertificatesLimitIsRefused() {
        // 100 x 10001 = 1,000,100 > 1,000,000
        assertCode(new PayWordBuyer(broker).unit(10_001).commitment(), ErrorCode.INVALID_COMMITMENT);
        // n x unit overflows a long
        assertCode(new PayWordBuyer(broker).unit(Long.MAX_VALUE / 2).commitment(), ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void malformedCommitmentClaimsAreRefused() {
        assertCode(new PayWordBuyer(broker).withoutCertificate().commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("root", "short").commitment(),
                ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("n", 0).commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("n", 10.5).commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("n", "100").commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("unit", "0").commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("unit", 100).commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("jti", null).commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode("a.b", ErrorCode.INVALID_COMMITMENT);
        assertCode("x".repeat(PayWordVerifier.MAX_COMMITMENT_CHARS + 1), ErrorCode.INVALID_COMMITMENT);
    }

    @Test
    void aCommitmentOutlivingItsCertificateOrExpiredIsRefused() {
        Instant certExp = clock.instant().plus(Duration.ofHours(1));
        assertCode(new PayWordBuyer(broker).commitmentClaim("exp", certExp.plusSeconds(1).getEpochSecond())
                .commitment(), ErrorCode.INVALID_COMMITMENT);
        assertCode(new PayWordBuyer(broker).commitmentClaim("exp", clock.instant().minusSeconds(10).getEpochSecond())
                .commitment(), ErrorCode.EXPIRED_TOKEN);
        assertCode(new PayWordBuyer(broker).commitmentClaim("iat", clock.instant().plusSeconds(60).getEpochSecond())
                .commitment(), ErrorCode.TOKEN_NOT_YET_VALID);
    }

    private void assertCode(String commitment, ErrorCode code) {
        assertThatThrownBy(() -> verifier.verify(commitment, MAX_LENGTH))
                .isInstanceOf(PaymentException.class)
                .extracting(e -> ((PaymentException) e).code()).isEqualTo(code);
    }
}
