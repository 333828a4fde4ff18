package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scrip verification over mutated scrip (docs/PROTOCOL.md section 4): only {@link PaymentException}s come out, a
 * change the broker did not sign never yields an account other than the one it signed, and hostile claims under a
 * valid signature yield either a refusal or an account that keeps every promise of {@link ScripVerifier}.
 */
final class ScripVerifierFuzzTest {

    private final FuzzFixture fixture = new FuzzFixture();
    private final ScripVerifier verifier = new ScripVerifier(fixture.keys, TestBroker.ISSUER, TestBroker.SELLER,
            TestBroker.CURRENCY, FuzzFixture.SKEW, fixture.clock);

    @AfterEach
    void stop() {
        fixture.close();
    }

    /** Valid scrip signed by either broker key, with claims that vary but verify. */
    private String valid(Random random) {
        var scrip = fixture.broker.scrip().jti("scrip-" + random.nextInt(1000)).budget(Long.toString(
                random.nextInt(1_000_000))).audience(random.nextBoolean() ? TestBroker.SELLER
                : List.of(TestBroker.SELLER));
        return (random.nextBoolean() ? scrip.es256() : scrip).sign();
    }

    @Test
    void aChangeTheBrokerDidNotSignIsRefusedOrVerifiesToTheSignedAccount() throws Exception {
        Map<String, ScripAccount> signed = new LinkedHashMap<>();
        Random tokens = new Random(Fuzz.seed());
        for (int i = 0; i < 16; i++) {
            String token = valid(tokens);
            signed.put(token, verifier.verify(token));
        }
        List<String> valid = List.copyOf(signed.keySet());
        Fuzz.forAll("scrip mutated without signing", 3000, random -> {
            String token = Gen.oneOf(random, valid);
            return new String[] {token, Mutate.jws(token, random)};
        }, pair -> {
            try {
                assertThat(verifier.verify(pair[1])).isEqualTo(signed.get(pair[0]));
            } catch (PaymentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        });
    }

    @Test
    void hostileClaimsUnderAValidSignatureAreRefusedOrGiveAnAccountThatKeepsEveryPromise() {
        Instant now = fixture.clock.instant();
        Fuzz.forAll("scrip with hostile signed claims", 700, random -> {
            String token = valid(random);
            String kid = token.contains("\"ES256\"") || random.nextBoolean() ? fixture.broker.es256Kid()
                    : fixture.broker.currentKid();
            return random.nextInt(8) == 0 ? Gen.string(random, 100)
                    : Mutate.signedJws(token, random, (h, p) -> fixture.broker.signRaw(kid, h, p));
        }, token -> {
            ScripAccount account;
            try {
                account = verifier.verify(token);
            } catch (PaymentException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertThat(account.issuer()).isEqualTo(TestBroker.ISSUER);
            assertThat(account.seller()).isEqualTo(TestBroker.SELLER);
            assertThat(account.currency()).isEqualTo(TestBroker.CURRENCY);
            assertThat(account.budgetMicros()).isNotNegative();
            assertThat(account.expiresAt()).isAfter(now.minus(FuzzFixture.SKEW));
            for (String id : List.of(account.jti(), account.buyer())) {
                assertThat(id).isNotEmpty().hasSizeLessThanOrEqualTo(ScripVerifier.MAX_ID_CHARS);
                assertThat(id.chars().noneMatch(Character::isISOControl)).isTrue();
            }
        });
    }
}
