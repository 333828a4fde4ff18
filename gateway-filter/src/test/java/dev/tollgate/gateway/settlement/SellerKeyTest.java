package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SellerKeyTest {

    @TempDir
    Path dir;

    @Test
    void theKeyIsCreatedOwnerOnlyAndReusedAfterARestart() throws Exception {
        Path data = dir.resolve("data");
        SellerKey first = SellerKey.loadOrCreate(data);
        Path file = data.resolve(SellerKey.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("\"d\":");
        assertThat(first.publicJwk()).doesNotContain("\"d\"").startsWith("{\"kty\":\"OKP\",\"crv\":\"Ed25519\"");
        try (var files = Files.list(data)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }

        SellerKey second = SellerKey.loadOrCreate(data);
        assertThat(second.thumbprint()).isEqualTo(first.thumbprint());
        assertThat(second.publicJwk()).isEqualTo(first.publicJwk());
    }

    @Test
    void aKeyFileThatOthersMayReadIsRefusedWithAClearMessage() throws Exception {
        SellerKey.loadOrCreate(dir);
        Path file = dir.resolve(SellerKey.FILE_NAME);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SellerKey.loadOrCreate(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("rw-r--r--")
                .hasMessageContaining("chmod 600");
    }

    @Test
    void aProvisionedKeyIsReadThroughALinkButNeverGeneratedAndMustBeOwnerOnly() throws Exception {
        SellerKey generated = SellerKey.loadOrCreate(dir.resolve("provisioning"));
        Path file = dir.resolve("provisioning").resolve(SellerKey.FILE_NAME);
        Path link = Files.createSymbolicLink(dir.resolve("seller-key.json"), file);

        assertThat(SellerKey.load(link).thumbprint()).as("as a mounted secret's link").isEqualTo(
                generated.thumbprint());
        assertThatThrownBy(() -> SellerKey.load(dir.resolve("absent.json"))).isInstanceOf(
                java.nio.file.NoSuchFileException.class);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> SellerKey.load(link)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("rw-r-----");
    }

    @Test
    void theThumbprintIsRfc7638AsInTheRfc8037Example() {
        byte[] x = Base64.getUrlDecoder().decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assertThat(SellerKey.thumbprint(x)).isEqualTo("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    @Test
    void signaturesVerifyWithTheJdkAndThePublishedKey() throws Exception {
        SellerKey key = SellerKey.loadOrCreate(dir);
        byte[] message = "header.payload".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        byte[] spki = new byte[44];
        System.arraycopy(prefix, 0, spki, 0, 12);
        System.arraycopy(key.rawPublicKey(), 0, spki, 12, 32);
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
        verifier.update(message);
        assertThat(verifier.verify(key.sign(message))).isTrue();
    }
}
