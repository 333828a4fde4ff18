package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tollgate.broker.TestBrokers.Buyer;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retired signing key stays published for {@link KeyRing#RETENTION} and no longer: with the clock moved past it the
 * JWKS drops the key, a gateway that refreshes then refuses scrip it signed, and the key file drops it at the next
 * rotation, so a restart does not bring it back.
 */
final class KeyRetentionTest {

    @TempDir
    Path dir;

    /** Starts at the real time: the gateway's verifier judges expiry by the system clock. */
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    private Broker start() {
        broker = TestBrokers.builder(dir).demoMode(true).clock(clock).sweepInterval(Duration.ZERO).build().start();
        if (broker.seller(TestBrokers.SELLER).isEmpty()) {
            TestSellers.register(broker, TestBrokers.SELLER);
        }
        return broker;
    }

    @Test
    void aRetiredKeyIsDroppedAfterItsRetentionAndAGatewayThatRefreshesRefusesItsScrip() throws Exception {
        start();
        Buyer buyer = TestBrokers.newBuyer(broker, 1_000_000);
        String oldKid = broker.currentKid();
        String oldScrip = TestBrokers.issue(broker, buyer, TestBrokers.SELLER, 1_000).text("token");
        String newKid = broker.rotateKey();
        String newScrip = TestBrokers.issue(broker, buyer, TestBrokers.SELLER, 1_000).text("token");

        try (GatewayVerifier gateway = new GatewayVerifier(broker, TestBrokers.SELLER, Duration.ofMillis(50))) {
            assertThat(gateway.verify(oldScrip).budgetMicros()).isEqualTo(1_000);
            clock.advance(KeyRing.RETENTION.minusSeconds(1));
            assertThat(jwksKids()).containsExactly(newKid, oldKid);

            clock.advance(Duration.ofSeconds(1));

            assertThat(jwksKids()).containsExactly(newKid);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            Throwable refused = null;
            while (refused == null && System.nanoTime() < deadline) {
                refused = catchThrowable(() -> gateway.verify(oldScrip));
                if (refused == null) {
                    Thread.sleep(10);
                }
            }
            assertThat(refused).as("the gateway refused the dropped key's scrip after a refresh")
                    .isInstanceOf(PaymentException.class);
            assertThat(((PaymentException) refused).code()).isEqualTo(ErrorCode.UNKNOWN_KEY);
            assertThat(gateway.verify(newScrip).budgetMicros()).isEqualTo(1_000);
        }
        try (GatewayVerifier fresh = new GatewayVerifier(broker, TestBrokers.SELLER)) {
            assertThat(((PaymentException) catchThrowable(() -> fresh.verify(oldScrip))).code())
                    .isEqualTo(ErrorCode.UNKNOWN_KEY);
        }

        String newest = broker.rotateKey();
        assertThat(Files.readString(dir.resolve(KeyRing.FILE))).as("the key file no longer holds the dropped key")
                .doesNotContain(oldKid).contains(newKid).contains(newest);
        broker.close();
        start();
        assertThat(jwksKids()).containsExactly(newest, newKid);
    }

    @Test
    void aKeyRetiredLaterIsKeptForItsOwnRetention() throws Exception {
        start();
        String first = broker.currentKid();
        String second = broker.rotateKey();
        clock.advance(Duration.ofHours(12));
        String third = broker.rotateKey();

        clock.advance(KeyRing.RETENTION.minusHours(12));

        assertThat(jwksKids()).containsExactly(third, second);
        assertThat(broker.keys().published()).extracting(KeyRing.SigningKey::kid).doesNotContain(first);
    }

    private List<String> jwksKids() {
        List<String> kids = new ArrayList<>();
        TestBrokers.get(broker, ApiHandler.JWKS_PATH, null).json().get("keys")
                .forEach(k -> kids.add(k.get("kid").asText()));
        return kids;
    }
}
