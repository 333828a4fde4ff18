package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PayWord commitments and certificates over mutated ones (docs/PROTOCOL.md section 8). A chain is known by the
 * hash of its commitment's text, so a second spelling that verifies would let one chain's words be paid twice: a
 * commitment verifies only as the exact text the buyer signed, its certificate only as the text the broker signed.
 * Hostile claims under valid signatures give a refusal or a chain within every bound.
 */
final class PayWordVerifierFuzzTest {

    private static final int MAX_LENGTH = 1000;

    private final FuzzFixture fixture = new FuzzFixture();
    private final PayWordVerifier verifier = new PayWordVerifier(fixture.keys, TestBroker.ISSUER, TestBroker.SELLER,
            TestBroker.CURRENCY, FuzzFixture.SKEW, fixture.clock, Duration.ofMinutes(5), 1000);
    private final CertificateVerifier certificates = new CertificateVerifier(fixture.keys, TestBroker.ISSUER,
            TestBroker.CURRENCY, FuzzFixture.SKEW, fixture.clock);
    /** One buyer: key generation is the slow part, and the mutations, not the keys, are under test. */
    private final PayWordBuyer buyer = new PayWordBuyer(fixture.broker);

    @AfterEach
    void stop() {
        fixture.close();
    }

    private PayWordBuyer varied(Random random) {
        return buyer.length(1 + random.nextInt(MAX_LENGTH)).unit(1 + random.nextInt(900))
                .commitmentClaim("jti", "c-" + random.nextInt(1000));
    }

    @Test
    void aCommitmentVerifiesOnlyAsTheTextTheBuyerSigned() {
        Random seeded = new Random(Fuzz.seed());
        List<String> valid = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            valid.add(varied(seeded).commitment());
        }
        Fuzz.forAll("PayWord commitment mutated without signing", 3000, random -> {
            String commitment = Gen.oneOf(random, valid);
            return new String[] {commitment, Mutate.jws(commitment, random)};
        }, pair -> {
            try {
                ChainAccount chain = verifier.verify(pair[1], MAX_LENGTH);
                assertThat(pair[1]).isEqualTo(pair[0]);
                assertThat(chain.commitmentId()).isEqualTo(PayWord.commitmentId(pair[0]));
            } catch (PaymentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        });
    }

    @Test
    void aCertificateVerifiesOnlyAsTheTextTheBrokerSigned() {
        String certificate = buyer.certificate();
        Fuzz.forAll("PayWord certificate mutated without signing", 3000, random -> {
            return new String[] {certificate, Mutate.jws(certificate, random)};
        }, pair -> {
            try {
                certificates.verify(pair[1]);
                assertThat(pair[1]).isEqualTo(pair[0]);
            } catch (PaymentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        });
    }

    @Test
    void hostileSignedCommitmentsAndCertificatesAreRefusedOrGiveAChainWithinEveryBound() {
        Instant now = fixture.clock.instant();
        Fuzz.forAll("PayWord with hostile signed claims", 600, random -> {
            PayWordBuyer chain = varied(random);
            if (random.nextInt(3) == 0) {
                chain.commitmentClaim("cert", Mutate.signedJws(chain.certificate(), random, chain::signCertificate));
            }
            String commitment = chain.commitment();
            String hostile = random.nextInt(4) == 0 ? commitment
                    : Mutate.signedJws(commitment, random, chain::signCommitment);
            chain.commitmentClaim("cert", null);
            return hostile;
        }, commitment -> {
            ChainAccount chain;
            try {
                chain = verifier.verify(commitment, MAX_LENGTH);
            } catch (PaymentException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertThat(chain.commitment()).isEqualTo(commitment);
            assertThat(chain.seller()).isEqualTo(TestBroker.SELLER);
            assertThat(chain.issuer()).isEqualTo(TestBroker.ISSUER);
            assertThat(chain.length()).isBetween(1, MAX_LENGTH);
            assertThat(chain.unitMicros()).isPositive();
            assertThat(Math.multiplyExact((long) chain.length(), chain.unitMicros()))
                    .isLessThanOrEqualTo(chain.certificateLimitMicros());
            assertThat(chain.expiresAt()).isAfter(now.minus(FuzzFixture.SKEW));
            assertThat(chain.root()).hasSize(PayWord.WORD_BYTES);
        });
    }
}
