package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker serves HTTPS with a keystore; a client that does not trust the certificate is refused. */
final class TlsTest {

    @TempDir
    Path dir;

    @Test
    void theBrokerServesItsApiOverTlsWithTheGivenKeystore() throws Exception {
        char[] password = HexFormat.of().formatHex(randomBytes()).toCharArray();
        Path keystore = dir.resolve("broker.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", new String(password), "-keypass", new String(password))
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();

        try (Broker broker = TestBrokers.builder(dir.resolve("data")).tls(keystore, password).build().start()) {
            assertThat(broker.baseUri().getScheme()).isEqualTo("https");
            HttpRequest jwks = HttpRequest.newBuilder(broker.jwksUri()).timeout(Duration.ofSeconds(10)).build();

            HttpResponse<String> trusted = trusting(keystore, password).send(jwks,
                    HttpResponse.BodyHandlers.ofString());
            assertThat(trusted.statusCode()).isEqualTo(200);
            assertThat(trusted.body()).contains("\"kty\":\"OKP\"");

            HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> untrusting.send(jwks, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static HttpClient trusting(Path keystore, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, password);
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
    }
}
