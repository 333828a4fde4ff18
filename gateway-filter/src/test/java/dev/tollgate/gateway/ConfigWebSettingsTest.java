package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.config.RestartOnly;
import dev.tollgate.gateway.testing.SelfSignedCertificate;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code seller.origin}, {@code broker.pay-url} and {@code broker.trust-file}. */
final class ConfigWebSettingsTest {

    @TempDir
    Path dir;

    private static String config(String seller, String broker) {
        return String.join("\n",
                "seller:",
                "  id: seller-1",
                seller,
                "broker:",
                "  id: test",
                "  issuer: https://broker.test/",
                "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
                "  token-endpoint: https://broker.test/v1/scrip",
                broker,
                "currency: USD",
                "");
    }

    private Path write(String yaml) throws IOException {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private InvalidConfigException problemsOf(String yaml) throws IOException {
        Path file = write(yaml);
        return catchThrowableOfType(InvalidConfigException.class, () -> GatewayConfig.load(file));
    }

    @Test
    void withoutTheNewSettingsTheOriginComesFromRequestsThePayPageFromTheIssuerAndTrustFromTheJdk()
            throws Exception {
        GatewayConfig config = GatewayConfig.load(write(config("", "")));
        assertThat(config.sellerOrigin()).isEmpty();
        assertThat(config.broker().payUri()).isEqualTo(URI.create("https://broker.test/pay"));
        assertThat(config.broker().trustFile()).isEmpty();
    }

    @Test
    void theOriginAndPayUrlAreRead() throws Exception {
        GatewayConfig config = GatewayConfig.load(write(config("  origin: HTTPS://Localhost:8443/",
                "  pay-url: https://pay.broker.test/checkout")));
        assertThat(config.sellerOrigin()).contains(URI.create("https://Localhost:8443"));
        assertThat(config.broker().payUri()).isEqualTo(URI.create("https://pay.broker.test/checkout"));
    }

    @Test
    void anOriginIsOnlySchemeHostAndPort() throws Exception {
        InvalidConfigException e = problemsOf(config("  origin: https://shop.test/articles", ""));
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:3:11: seller.origin: 'https://shop.test/articles' is not an origin");
        e = problemsOf(config("  origin: http://shop.test", ""));
        assertThat(e.problems()).singleElement().asString().contains("seller.origin").contains("must use https");
        e = problemsOf(config("  origin: https://user:pw@shop.test", ""));
        assertThat(e.problems()).singleElement().asString().contains("seller.origin")
                .contains("must not carry credentials").contains("https://***@shop.test").doesNotContain("pw");
    }

    @Test
    void aPayUrlCarriesNoQueryOfItsOwn() throws Exception {
        InvalidConfigException e = problemsOf(config("", "  pay-url: https://broker.test/pay?x=1"));
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:9:12: broker.pay-url:").contains("must have no query or fragment");
        e = problemsOf(config("", "  pay-url: http://broker.test/pay"));
        assertThat(e.problems()).singleElement().asString().contains("broker.pay-url").contains("must use https");
    }

    @Test
    void aTrustFileIsResolvedAgainstTheConfigFolderAndMustHoldCertificates() throws Exception {
        SelfSignedCertificate.generate().writePem(dir.resolve("broker-ca.pem"));
        GatewayConfig config = GatewayConfig.load(write(config("", "  trust-file: broker-ca.pem")));
        assertThat(config.broker().trustFile()).isEqualTo(Optional.of(dir.toAbsolutePath().resolve("broker-ca.pem")));

        InvalidConfigException e = problemsOf(config("", "  trust-file: missing.pem"));
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:9:15: broker.trust-file: cannot read").contains("missing.pem");

        Files.writeString(dir.resolve("empty.pem"), "just text\n");
        e = problemsOf(config("", "  trust-file: empty.pem"));
        assertThat(e.problems()).singleElement().asString()
                .contains("broker.trust-file").contains("contains no PEM certificate");

        Files.writeString(dir.resolve("bad.pem"), SelfSignedCertificate.generate().pem()
                + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        e = problemsOf(config("", "  trust-file: bad.pem"));
        assertThat(e.problems()).singleElement().asString()
                .contains("broker.trust-file").contains("certificate 2 is not a valid X.509 certificate");
    }

    @Test
    void theTrustFileCannotChangeWhileRunningButTheOriginAndPayUrlCan() throws Exception {
        SelfSignedCertificate.generate().writePem(dir.resolve("a.pem"));
        SelfSignedCertificate.generate().writePem(dir.resolve("b.pem"));
        GatewayConfig running = GatewayConfig.load(write(config("", "  trust-file: a.pem")));
        GatewayConfig moved = GatewayConfig.load(write(config("  origin: https://shop.test",
                "  trust-file: a.pem\n  pay-url: https://broker.test/pay2")));
        GatewayConfig other = GatewayConfig.load(write(config("", "  trust-file: b.pem")));
        assertThat(RestartOnly.changes(running, moved)).isNull();
        assertThat(RestartOnly.changes(running, other)).isEqualTo("broker.trust-file");
    }
}
