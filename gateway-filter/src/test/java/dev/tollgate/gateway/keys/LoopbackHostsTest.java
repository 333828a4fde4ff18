package dev.tollgate.gateway.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class LoopbackHostsTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080/x", "http://LOCALHOST/", "http://127.0.0.1:1/jwks",
            "http://127.5.6.7/", "http://[::1]:9/", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/"})
    void loopbackLiteralsAllowPlainHttp(String url) {
        assertThat(LoopbackHosts.isLoopbackLiteral(URI.create(url).getHost())).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.1/", "http://example.com/", "http://cafe/", "http://beef.dead/",
            "http://localhost.example/", "http://127.0.0.1.nip.io/", "http://[::2]/", "http://[2001:db8::1]/",
            "http://127.0.0.1.example/"})
    void otherHostsDoNotEvenWhenTheyLookNumeric(String url) {
        assertThat(LoopbackHosts.isLoopbackLiteral(URI.create(url).getHost())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[cafe]", "[localhost]", "127.1", "0x7f.0.0.1", "1270.0.0.1"})
    void hostsNoUrlWouldGiveAreNotLoopback(String host) {
        assertThat(LoopbackHosts.isLoopbackLiteral(host)).isFalse();
    }
}
