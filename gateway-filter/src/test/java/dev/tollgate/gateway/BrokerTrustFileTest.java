package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.SelfSignedCertificate;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker on HTTPS with its own certificate: trusted through {@code broker.trust-file}, refused without it. */
final class BrokerTrustFileTest {

    @TempDir
    Path dir;

    private final SelfSignedCertificate certificate = SelfSignedCertificate.generate();
    private GatewayHarness gateway;

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void keysFromAnHttpsBrokerTrustedByTheTrustFileVerifyScrip() throws Exception {
        certificate.writePem(dir.resolve("broker-ca.pem"));
        gateway = new GatewayHarness(dir, certificate).extraSettings("", "  trust-file: broker-ca.pem");
        assertThat(gateway.jwks.jwksUri().getScheme()).isEqualTo("https");
        gateway.writeConfig(GatewayHarness.RULES).start();

        HttpTester.Response response = gateway.paidGet("/articles/one", gateway.broker.scrip().sign(), 50_000);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).isEqualTo("content of /articles/one");
        assertThat(gateway.jwks.requests()).isPositive();
    }

    @Test
    void withoutTheTrustFileTheSelfSignedBrokerIsNotTrustedAndNothingIsServed() throws Exception {
        gateway = new GatewayHarness(dir, certificate);
        gateway.writeConfig(GatewayHarness.RULES).start();

        HttpTester.Response response = gateway.paidGet("/articles/one", gateway.broker.scrip().sign(), 50_000);

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("broker_unavailable");
        assertThat(gateway.body(response)).doesNotContain("content of");
    }

    @Test
    void aTrustFileWithAnotherCertificateIsNotEnough() throws Exception {
        SelfSignedCertificate.generate().writePem(dir.resolve("other-ca.pem"));
        gateway = new GatewayHarness(dir, certificate).extraSettings("", "  trust-file: other-ca.pem");
        gateway.writeConfig(GatewayHarness.RULES).start();

        HttpTester.Response response = gateway.paidGet("/articles/one", gateway.broker.scrip().sign(), 50_000);

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("broker_unavailable");
    }
}
