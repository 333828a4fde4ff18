package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.ledger.ScripAccount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class CredentialReaderTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static ScripAccount scripExpiringIn(Duration duration) {
        return new ScripAccount("https://broker.test", "j1", "buyer-1", "seller-1", 100, "USD", NOW.plus(duration));
    }

    @Test
    void aVerifiedScripIsReusedUntilTheNextKeyRefreshAtMost() throws Exception {
        CredentialReader reader = new CredentialReader(token -> scripExpiringIn(Duration.ofHours(1)), CLOCK,
                Duration.ofMinutes(5));

        Credential.Verified verified = (Credential.Verified) reader.fromCookie("token");

        assertThat(verified.expiresAtMillis()).isEqualTo(NOW.plus(Duration.ofHours(1)).toEpochMilli());
        assertThat(verified.reusableUntilMillis()).isEqualTo(NOW.plus(Duration.ofMinutes(5)).toEpochMilli());
    }

    @Test
    void aScripExpiringSoonerIsReusedOnlyUntilItExpires() throws Exception {
        CredentialReader reader = new CredentialReader(token -> scripExpiringIn(Duration.ofMinutes(1)), CLOCK,
                Duration.ofMinutes(5));

        Credential.Verified verified = (Credential.Verified) reader.fromCookie("token");

        assertThat(verified.reusableUntilMillis()).isEqualTo(NOW.plus(Duration.ofMinutes(1)).toEpochMilli());
    }

    @Test
    void aPermanentRejectionIsRememberedButATransientOneIsNot() throws Exception {
        CredentialReader rejecting = new CredentialReader(token -> {
            throw new PaymentException(ErrorCode.INVALID_TOKEN, "bad signature");
        }, CLOCK, Duration.ofMinutes(5));
        assertThat(rejecting.fromCookie("token")).isInstanceOf(Credential.Rejected.class);

        CredentialReader brokerDown = new CredentialReader(token -> {
            throw new PaymentException(ErrorCode.BROKER_UNAVAILABLE, "no keys");
        }, CLOCK, Duration.ofMinutes(5));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> brokerDown.fromCookie("token"))
                .isInstanceOf(PaymentException.class);
    }
}
