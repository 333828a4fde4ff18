package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verified scrip is cached by its signature (the compact JWS's third part): a token changed under the signature of
 * one verified before pays exactly as the original would, never as what the change claims, through real Jetty and
 * a real ledger.
 */
final class TokenSignatureKeyTest {

    @TempDir
    Path dir;

    private GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir);
        gateway.start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void aTokenChangedUnderAVerifiedSignaturePaysAsTheOriginal() throws Exception {
        String token = gateway.broker.scrip().jti("j-original").budget("100000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).isEqualTo(200);
        String[] parts = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("j-original", "j-changed").replace("\"100000\"", "\"900000000\"");
        String changed = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        HttpTester.Response second = gateway.paidGet("/articles/two", changed, 50_000);
        HttpTester.Response third = gateway.paidGet("/articles/three", changed, 50_000);

        assertThat(second.getStatus()).isEqualTo(200);
        assertThat(third.getStatus()).isEqualTo(402); // the original's budget is spent
        assertThat(gateway.remaining("j-original", 100_000)).isZero();
        assertThat(gateway.remaining("j-changed", 900_000_000)).isEqualTo(900_000_000); // never recorded
    }
}
