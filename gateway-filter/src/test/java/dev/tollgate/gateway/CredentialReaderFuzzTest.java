package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.config.ConfigLoader;
import dev.tollgate.gateway.keys.BrokerVerification;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.payment.Credential;
import dev.tollgate.gateway.payment.CredentialReader;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.route.Snapshot;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PayWord;
import dev.tollgate.testkit.Fuzz;
import dev.tollgate.testkit.Gen;
import dev.tollgate.testkit.Mutate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading payments (the {@code PAYMENT-SIGNATURE} header and the scrip cookie) over hostile ones, with the real
 * verifier and the broker's real keys: a verified scrip, a PayWord payment to check, a remembered rejection, or one
 * of the exceptions that may pass on retry; never another exception, never an account the broker did not sign,
 * never the token in a message.
 */
final class CredentialReaderFuzzTest {

    private static final Set<ErrorCode> RETRYABLE = Set.of(ErrorCode.UNKNOWN_KEY, ErrorCode.BROKER_UNAVAILABLE,
            ErrorCode.TOKEN_NOT_YET_VALID);

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.atNow();
    private final TestBroker broker = new TestBroker(clock);
    private final JwksServer jwks = JwksServer.start(broker::jwksJson);
    private BrokerVerification verification;
    private CredentialReader reader;
    private Snapshot snapshot;
    private final Map<String, ScripAccount> signed = new LinkedHashMap<>();
    private final List<String> payWords = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, GatewayHarness.config(jwks.jwksUri(), GatewayHarness.RULES));
        GatewayConfig config = ConfigLoader.load(file, name -> null);
        snapshot = new Snapshot(config, null);
        verification = BrokerVerification.start(config, clock);
        reader = new CredentialReader(verification::verify, clock, Duration.ofMinutes(5));
        Random random = new Random(Fuzz.seed());
        for (int i = 0; i < 12; i++) {
            var scrip = broker.scrip().jti("scrip-" + i).budget(Long.toString(random.nextInt(1_000_000)));
            String token = (i % 3 == 0 ? scrip.es256() : scrip).sign();
            signed.put(token, verify(token));
        }
        PayWordBuyer buyer = new PayWordBuyer(broker);
        for (int i = 0; i < 6; i++) {
            payWords.add(buyer.payWithCommitment(i * 3));
            payWords.add(buyer.payById(i * 3 + 1));
        }
    }

    /** The first verification waits for the broker's keys, which a loaded machine may fetch late. */
    private ScripAccount verify(String token) throws PaymentException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return verification.verify(token);
            } catch (PaymentException e) {
                if (e.code() != ErrorCode.BROKER_UNAVAILABLE || System.nanoTime() > deadline) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // polling interval
            }
        }
    }

    @AfterEach
    void stop() {
        verification.close();
        jwks.close();
    }

    private String header(Random random) {
        List<String> tokens = List.copyOf(signed.keySet());
        String token = Gen.oneOf(random, tokens);
        String header = random.nextInt(3) == 0 ? Gen.oneOf(random, payWords)
                : GatewayHarness.paymentHeader(token, random.nextInt(4) == 0 ? Gen.edgyLong(random) : 50_000);
        return switch (random.nextInt(6)) {
            case 0 -> Mutate.text(header, random);
            case 1 -> GatewayHarness.paymentHeader(Mutate.jws(token, random), 50_000);
            case 2 -> Base64.getEncoder().encodeToString(Mutate.json(new String(Base64.getDecoder().decode(header),
                    StandardCharsets.UTF_8), random).getBytes(StandardCharsets.UTF_8));
            case 3 -> Gen.string(random, 300);
            default -> header;
        };
    }

    @Test
    void aPaymentHeaderIsReadAsAVerifiedScripAPayWordPaymentOrARejectionThatNeverEchoesTheToken() {
        Fuzz.forAll("payment headers", 2500, this::header, header -> check(() -> reader.fromHeader(header, snapshot)));
    }

    @Test
    void aScripCookieIsReadAsAVerifiedScripOrARejectionThatNeverEchoesTheToken() {
        List<String> tokens = List.copyOf(signed.keySet());
        Fuzz.forAll("scrip cookies", 1500, random -> {
            String token = Gen.oneOf(random, tokens);
            return random.nextInt(5) == 0 ? Gen.string(random, 200) : Mutate.jws(token, random);
        }, cookie -> check(() -> reader.fromCookie(cookie)));
    }

    private interface Read {
        Credential read() throws PaymentException;
    }

    private void check(Read read) {
        Credential credential;
        try {
            credential = read.read();
        } catch (PaymentException e) {
            assertThat(e.code()).isIn(RETRYABLE);
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        if (credential instanceof Credential.Verified verified) {
            assertThat(signed).containsValue(verified.scrip());
            assertThat(verified.acceptedMicros()).isNotNegative();
            assertThat(verified.network() == null || snapshot.brokerOn(verified.network()) != null).isTrue();
        } else if (credential instanceof Credential.PayWordPayment payment) {
            assertThat(payment.index()).isNotNegative();
            assertThat(payment.word()).hasSize(PayWord.WORD_BYTES);
            assertThat(payment.commitmentId()).hasSize(PayWord.WORD_CHARS);
            assertThat(snapshot.brokerOn(payment.network())).isNotNull();
            assertThat(payment.acceptedMicros()).isNotNegative();
        } else {
            Credential.Rejected rejected = (Credential.Rejected) credential;
            assertThat(rejected.code()).isNotIn(RETRYABLE);
            for (String token : signed.keySet()) {
                assertThat(rejected.message()).doesNotContain(token.substring(token.length() - 30));
            }
        }
    }
}
