package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
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
        java.util.List<Object> names = new java.util.ArrayList<>();
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

    private static String permissions(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
