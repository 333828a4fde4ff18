package dev.tollgate.buyer;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The API key and the scrip it buys are bearer secrets: the broker is reached over TLS, or on this machine. */
final class BrokerUrlTest {

    @Test
    void plainHttpIsRefusedToAnotherHostAndAllowedToThisMachine() {
        for (String url : new String[] {"http://broker.example", "http://10.0.0.5:8443", "ftp://broker.example",
                "http://127.0.0.1.evil.example", "//broker.example"}) {
            assertThatThrownBy(() -> TollgateClient.builder().broker(URI.create(url))).as(url)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
        }
        for (String url : new String[] {"https://broker.example", "http://localhost:8443", "http://127.0.0.1:9",
                "http://[::1]:8443"}) {
            assertThatCode(() -> TollgateClient.builder().broker(URI.create(url))).as(url).doesNotThrowAnyException();
        }
    }
}
