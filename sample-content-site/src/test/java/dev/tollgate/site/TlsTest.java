package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {

    @TempDir
    Path dir;

    @Test
    void theFirstStartGeneratesALocalhostCertificateForOneYearWithItsPemAndOwnerOnlySecrets() throws Exception {
        Tls tls = Tls.open(dir.resolve("tls"));

        X509Certificate cert = tls.certificate();
        assertThat(cert.getSubjectX500Principal().getName()).contains("CN=localhost");
        List<Object> names = new java.util.ArrayList<>();
        cert.getSubjectAlternativeNames().forEach(name -> names.add(name.get(1)));
        assertThat(names).containsExactlyInAnyOrder("localhost", "127.0.0.1");
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        long days = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).toDays();
        assertThat(days).isBetween(365L, 366L);
        assertThat(Tls.readPem(tls.certificatePem())).isEqualTo(cert);
        assertThat(permissions(dir.resolve("tls").resolve(Tls.PASSWORD_FILE))).isEqualTo("rw-------");
        assertThat(permissions(dir.resolve("tls").resolve(Tls.KEYSTORE))).isEqualTo("rw-------");
        assertThat(permissions(dir.resolve("tls"))).isEqualTo("rwx------");
        assertThat(tls.password()).hasSizeGreaterThanOrEqualTo(32);
    }

    @Test
    void laterStartsReuseTheCertificateAndPassword() throws Exception {
        Tls first = Tls.open(dir);
        Tls second = Tls.open(dir);

        assertThat(second.certificate()).isEqualTo(first.certificate());
        assertThat(second.password()).isEqualTo(first.password());
    }

    @Test
    void aKeystorePasswordFileOthersMayReadIsRefused() throws Exception {
        Tls.open(dir);
        Path password = dir.resolve(Tls.PASSWORD_FILE);
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> Tls.open(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(password.toString()).hasMessageContaining("group or others")
                .hasMessageContaining("chmod 600");
    }

    @Test
    void theClientContextTrustsTheDemoCertificate() throws Exception {
        Tls tls = Tls.open(dir);

        javax.net.ssl.X509TrustManager trust = new EitherTrustManager(
                new RefusingTrustManager(), trustOnly(tls.certificate()));
        trust.checkServerTrusted(new X509Certificate[] {tls.certificate()}, "ECDHE_ECDSA");
        assertThat(tls.clientContext().getProtocol()).isEqualTo("TLS");
        assertThat(List.of(trust.getAcceptedIssuers())).contains(tls.certificate());
    }

    private static javax.net.ssl.X509TrustManager trustOnly(X509Certificate cert) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("c", cert);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(store);
        return (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
    }

    private static String permissions(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    /** A trust manager that trusts nothing, standing in for the JDK's authorities, which do not know the demo. */
    private static final class RefusingTrustManager implements javax.net.ssl.X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("refused");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("refused");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
