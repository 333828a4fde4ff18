package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.ScripBuilder;
import dev.tollgate.gateway.testing.TestBroker;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ScripVerifierTest {

    private static final Duration SKEW = Duration.ofSeconds(2);

    private MutableClock clock;
    private TestBroker broker;
    private JwksServer server;
    private BrokerKeys keys;
    private ScripVerifier verifier;

    @BeforeEach
    void startBroker() {
        clock = MutableClock.atNow();
        broker = new TestBroker(clock);
        server = JwksServer.start(broker::jwksJson);
        keys = new BrokerKeys(BrokerKeysSettings.of(server.jwksUri()).withClock(clock)
                .withFetchTimeout(Duration.ofSeconds(2)));
        keys.start();
        verifier = new ScripVerifier(keys, TestBroker.ISSUER, TestBroker.SELLER, TestBroker.CURRENCY, SKEW, clock);
    }

    @AfterEach
    void stopBroker() {
        keys.close();
        server.close();
    }

    @Test
    void aValidEd25519ScripVerifiesToTheMatchingScripAccount() throws Exception {
        Instant exp = clock.instant().plus(Duration.ofMinutes(20));
        String token = broker.scrip().jti("scrip-42").subject("buyer-7").budget("250000").expiresAt(exp).sign();

        ScripAccount account = verifier.verify(token);

        assertThat(account).isEqualTo(new ScripAccount(TestBroker.ISSUER, "scrip-42", "buyer-7", TestBroker.SELLER,
                250_000L, "USD", exp));
    }

    @Test
    void verifiedScripHoldsTheConfiguredIssuerAndCurrencyNotCopiesReadFromEachToken() throws Exception {
        String issuer = new String(TestBroker.ISSUER); // instances of their own, as read from a config file
        String currency = new String(TestBroker.CURRENCY);
        ScripVerifier configured = new ScripVerifier(keys, issuer, TestBroker.SELLER, currency, SKEW, clock);

        ScripAccount first = configured.verify(broker.scrip().jti("a").sign());
        ScripAccount second = configured.verify(broker.scrip().jti("b").sign());

        assertThat(first.issuer()).isSameAs(issuer).isSameAs(second.issuer());
        assertThat(first.currency()).isSameAs(currency).isSameAs(second.currency());
    }

    @Test
    void aValidEs256ScripVerifies() throws Exception {
        ScripAccount account = verifier.verify(broker.scrip().es256().jti("ec-1").sign());

        assertThat(account.jti()).isEqualTo("ec-1");
        assertThat(account.budgetMicros()).isEqualTo(100_000L);
    }

    @Test
    void brokerKeysAreBouncyCastleKeysForFastVerification() throws Exception {
        assertThat(keys.key(broker.currentKid()).getClass().getName()).startsWith("org.bouncycastle.");
        assertThat(keys.key(broker.es256Kid()).getClass().getName()).startsWith("org.bouncycastle.");
    }

    @Test
    void anAudienceArrayWithOnlyThisSellerVerifies() throws Exception {
        assertThat(verifier.verify(broker.scrip().audience(List.of(TestBroker.SELLER)).sign()).seller())
                .isEqualTo(TestBroker.SELLER);
    }

    @Test
    void anAudienceArrayNamingAnotherSellerTooIsWrongAudience() {
        assertRejected(broker.scrip().audience(List.of(TestBroker.SELLER, "seller-2")).sign(),
                ErrorCode.WRONG_AUDIENCE);
    }

    @Test
    void aScripForAnotherSellerIsWrongAudience() {
        assertRejected(broker.scrip().audience("seller-2").sign(), ErrorCode.WRONG_AUDIENCE);
    }

    @Test
    void aScripFromAnotherIssuerIsWrongIssuer() {
        assertRejected(broker.scrip().issuer("https://other-broker.test").sign(), ErrorCode.WRONG_ISSUER);
    }

    @Test
    void aTamperedSignatureIsInvalid() {
        assertRejected(broker.scrip().tamperedSignature(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().es256().tamperedSignature(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void aTamperedPayloadIsInvalid() {
        String token = broker.scrip().budget("1").sign();
        String[] parts = token.split("\\.");
        String richer = broker.scrip().budget("999999999").sign().split("\\.")[1];

        assertRejected(parts[0] + "." + richer + "." + parts[2], ErrorCode.INVALID_TOKEN);
    }

    @Test
    void anAlgNoneTokenIsInvalid() {
        assertRejected(broker.scrip().algNone(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void anHs256TokenKeyedWithTheBrokerPublicKeyIsInvalid() {
        assertRejected(broker.scrip().hs256WithPublicKey(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void anEdDsaTokenNamingTheEs256KeyIsInvalid() {
        assertRejected(broker.scrip().kid(broker.es256Kid()).sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void anAlgHeaderOutsideTheTwoPinnedAlgorithmsIsInvalid() {
        assertRejected(broker.scrip().header("alg", "ES384").sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().header("alg", "RS256").sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void aJwkHeaderCannotSupplyTheVerificationKey() throws Exception {
        KeyPair attacker = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String jwk = TestBroker.jwk(broker.currentKid(), attacker.getPublic());
        String header = "{\"alg\":\"EdDSA\",\"typ\":\"tollgate-scrip+jwt\",\"kid\":\"" + broker.currentKid()
                + "\",\"jku\":\"https://evil.test/jwks.json\",\"jwk\":" + jwk + "}";
        String honest = broker.scrip().sign();
        String input = b64(header) + "." + honest.split("\\.")[1];
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(attacker.getPrivate());
        s.update(input.getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        assertRejected(input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign()),
                ErrorCode.INVALID_TOKEN);
    }

    @Test
    void jkuAndX5uHeadersAreIgnoredOnAnHonestScrip() throws Exception {
        int before = server.requests();
        String token = broker.scrip().header("jku", "https://evil.test/jwks.json")
                .header("x5u", "https://evil.test/cert.pem").sign();

        assertThat(verifier.verify(token).issuer()).isEqualTo(TestBroker.ISSUER);
        assertThat(server.requests()).isEqualTo(before);
    }

    @Test
    void anExpiredScripIsExpired() {
        Instant now = clock.instant();
        assertRejected(broker.scrip().issuedAt(now.minusSeconds(7200)).notBefore(now.minusSeconds(7200))
                .expiresAt(now.minusSeconds(60)).sign(), ErrorCode.EXPIRED_TOKEN);
    }

    @Test
    void aScripExpiredWithinTheClockSkewStillVerifies() throws Exception {
        String token = broker.scrip().expiresAt(clock.instant().plusSeconds(60)).sign();
        clock.advance(Duration.ofSeconds(61));

        assertThat(verifier.verify(token).jti()).isNotEmpty();
        clock.advance(SKEW);
        assertRejected(token, ErrorCode.EXPIRED_TOKEN);
    }

    @Test
    void aScripWhoseNbfIsInTheFutureIsNotYetValid() {
        assertRejected(broker.scrip().notBefore(clock.instant().plusSeconds(60)).sign(),
                ErrorCode.TOKEN_NOT_YET_VALID);
    }

    @Test
    void aScripWhoseNbfIsWithinTheClockSkewVerifies() throws Exception {
        assertThat(verifier.verify(broker.scrip().notBefore(clock.instant().plusSeconds(1)).sign())).isNotNull();
    }

    @Test
    void aScripIssuedInTheFutureIsNotYetValid() {
        assertRejected(broker.scrip().issuedAt(clock.instant().plusSeconds(60)).sign(),
                ErrorCode.TOKEN_NOT_YET_VALID);
    }

    @Test
    void aScripWithoutKidIsInvalidAndFetchesNothing() {
        int before = server.requests();

        assertRejected(broker.scrip().withoutHeader("kid").sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().kid("").sign(), ErrorCode.INVALID_TOKEN);
        assertThat(server.requests()).isEqualTo(before);
    }

    @Test
    void aScripWithTheWrongOrNoTypIsInvalid() {
        assertRejected(broker.scrip().typ("JWT").sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().withoutHeader("typ").sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void aScripWithAnUnknownCriticalHeaderIsInvalid() {
        assertRejected(broker.scrip().withCrit("x").sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void aCompressedScripIsInvalid() {
        assertRejected(broker.scrip().header("zip", "DEF").sign(), ErrorCode.INVALID_TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "1.5", "9223372036854775808", "99999999999999999999", "", "+5", " 1",
            "1e6", "0x10"})
    void aMalformedBudgetIsInvalid(String budget) {
        assertRejected(broker.scrip().budget(budget).sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void aNumericOrMissingBudgetIsInvalid() {
        assertRejected(broker.scrip().budget(100000).sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().without("budget").sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void theBudgetBoundsVerify() throws Exception {
        assertThat(verifier.verify(broker.scrip().budget("0").sign()).budgetMicros()).isZero();
        assertThat(verifier.verify(broker.scrip().budget("9223372036854775807").sign()).budgetMicros())
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aScripInAnotherCurrencyIsWrongCurrency() {
        assertRejected(broker.scrip().currency("EUR").sign(), ErrorCode.WRONG_CURRENCY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"iss", "sub", "aud", "jti", "iat", "nbf", "exp", "cur"})
    void aScripMissingARequiredClaimIsInvalid(String claim) {
        assertRejected(broker.scrip().without(claim).sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void jtiAndSubMustHaveOneTo128Characters() throws Exception {
        assertThat(verifier.verify(broker.scrip().jti("j".repeat(128)).subject("s".repeat(128)).sign()))
                .isNotNull();
        assertRejected(broker.scrip().jti("j".repeat(129)).sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().subject("s".repeat(129)).sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().jti("").sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().subject("").sign(), ErrorCode.INVALID_TOKEN);
        assertRejected(broker.scrip().claim("jti", 123).sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void aScripWithAnUnknownKidIsUnknownKey() {
        assertRejected(broker.scrip().withUnknownKid().sign(), ErrorCode.UNKNOWN_KEY);
    }

    @Test
    void anOverlongTokenIsInvalidBeforeParsing() {
        ScripBuilder padded = broker.scrip().claim("pad", "p".repeat(ScripVerifier.MAX_TOKEN_CHARS));

        assertRejected(padded.sign(), ErrorCode.INVALID_TOKEN);
    }

    @Test
    void tokensThatAreNotACompactJwsAreInvalid() {
        assertRejected("", ErrorCode.INVALID_TOKEN);
        assertRejected("not-a-token", ErrorCode.INVALID_TOKEN);
        assertRejected("a.b.c", ErrorCode.INVALID_TOKEN);
        String jws = broker.scrip().sign();
        assertRejected(jws + ".extra.parts", ErrorCode.INVALID_TOKEN); // five segments, like a JWE
    }

    @Test
    void aNullTokenIsInvalid() {
        assertThatThrownBy(() -> verifier.verify(null)).isInstanceOfSatisfying(PaymentException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_TOKEN));
    }

    private void assertRejected(String token, ErrorCode code) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(PaymentException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            for (String part : token.split("\\.")) {
                if (part.length() >= 8) {
                    assertThat(e.getMessage()).doesNotContain(part);
                }
            }
        });
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
