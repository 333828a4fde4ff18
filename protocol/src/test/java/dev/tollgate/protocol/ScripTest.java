package dev.tollgate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class ScripTest {

    @Test
    void namesTheScripConstants() {
        assertThat(Scrip.TYPE).isEqualTo("tollgate-scrip+jwt");
        assertThat(Scrip.SCHEME).isEqualTo("scrip");
        assertThat(Scrip.TOKEN).isEqualTo("token");
        assertThat(Scrip.BUDGET).isEqualTo("budget");
        assertThat(Scrip.CURRENCY).isEqualTo("cur");
        assertThat(Scrip.NETWORK_PREFIX).isEqualTo("tollgate:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"acme", "A", "broker-1", "eu_west_2", "0123456789abcdefghijABCDEFGHIJ-_"})
    void buildsNetworkFromValidBrokerId(String brokerId) {
        assertThat(Scrip.isValidBrokerId(brokerId)).isTrue();
        assertThat(Scrip.network(brokerId)).isEqualTo("tollgate:" + brokerId);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "acme.io", "tollgate:acme", "brøker", "a/b", "x\n",
        "0123456789abcdefghijABCDEFGHIJ-_x"})
    void rejectsInvalidBrokerId(String brokerId) {
        assertThat(Scrip.isValidBrokerId(brokerId)).isFalse();
        assertThatThrownBy(() -> Scrip.network(brokerId))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("brokerId must be 1 to 32 ASCII letters, digits, '-' or '_'; got " + brokerId.length()
                        + " characters.");
    }

    @Test
    void treatsNullBrokerIdAsInvalid() {
        assertThat(Scrip.isValidBrokerId(null)).isFalse();
        assertThatThrownBy(() -> Scrip.network(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("brokerId cannot be null.");
    }

    @Test
    void definesTheX402HeaderNames() {
        assertThat(PaymentHeaders.PAYMENT_REQUIRED).isEqualTo("PAYMENT-REQUIRED");
        assertThat(PaymentHeaders.PAYMENT_SIGNATURE).isEqualTo("PAYMENT-SIGNATURE");
        assertThat(PaymentHeaders.PAYMENT_RESPONSE).isEqualTo("PAYMENT-RESPONSE");
        assertThat(PaymentHeaders.X402_VERSION).isEqualTo(2);
    }
}
