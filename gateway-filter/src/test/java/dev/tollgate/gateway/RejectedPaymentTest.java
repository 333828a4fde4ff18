package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.X402Codec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a payment can be wrong gets a 402 with a stable code, never the content and never a 500. */
final class RejectedPaymentTest {

    @TempDir
    java.nio.file.Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private void assertRefused(HttpTester.Response response, String code) throws Exception {
        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(gateway.body(response)).doesNotContain("content of");
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo(code);
        assertThat(TollgateFilterTest.offerOf(response).accepts()).isNotEmpty();
    }

    private HttpTester.Response pay(String token) throws Exception {
        return gateway.paidGet("/articles/one", token, 50_000);
    }

    private HttpTester.Response withHeader(String value) throws Exception {
        return gateway.get("/articles/one", PaymentHeaders.PAYMENT_SIGNATURE, value);
    }

    @Test
    void aTamperedSignatureIsRefused() throws Exception {
        assertRefused(pay(gateway.broker.scrip().tamperedSignature()), "invalid_token");
    }

    @Test
    void anUnsignedTokenIsRefused() throws Exception {
        assertRefused(pay(gateway.broker.scrip().algNone()), "invalid_token");
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() throws Exception {
        assertRefused(pay(gateway.broker.scrip().hs256WithPublicKey()), "invalid_token");
    }

    @Test
    void scripForAnotherSellerIsRefused() throws Exception {
        assertRefused(pay(gateway.broker.scrip().audience("seller-2").sign()), "wrong_audience");
    }

    @Test
    void scripFromAnotherIssuerIsRefused() throws Exception {
        assertRefused(pay(gateway.broker.scrip().issuer("https://evil.test").sign()), "wrong_issuer");
    }

    @Test
    void expiredScripIsRefused() throws Exception {
        String token = gateway.broker.scrip().expiresAt(gateway.clock.instant().minusSeconds(1)).sign();
        assertRefused(pay(token), "expired_token");
    }

    @Test
    void scripThatExpiresAfterItWasCachedIsRefused() throws Exception {
        String token = gateway.broker.scrip().expiresAt(gateway.clock.instant().plusSeconds(60)).sign();
        assertThat(pay(token).getStatus()).isEqualTo(200);

        gateway.clock.advance(Duration.ofSeconds(61));

        assertRefused(pay(token), "expired_token");
    }

    @Test
    void scripNotYetValidIsRefused() throws Exception {
        String token = gateway.broker.scrip().notBefore(gateway.clock.instant().plusSeconds(300)).sign();
        assertRefused(pay(token), "token_not_yet_valid");
    }

    @Test
    void scripInAnotherCurrencyIsRefused() throws Exception {
        assertRefused(pay(gateway.broker.scrip().currency("EUR").sign()), "wrong_currency");
    }

    @Test
    void aHeaderThatIsNotBase64IsMalformed() throws Exception {
        assertRefused(withHeader("%%% not base64 %%%"), "malformed_payment");
    }

    @Test
    void aHeaderThatIsNotJsonIsMalformed() throws Exception {
        String notJson = Base64.getEncoder().encodeToString("{not json".getBytes(StandardCharsets.UTF_8));
        HttpTester.Response response = withHeader(notJson);
        assertRefused(response, "malformed_payment");
        assertThat(gateway.body(response)).contains("not JSON");
    }

    @Test
    void aHugeHeaderIsMalformedWithoutBeingDecoded() throws Exception {
        HttpTester.Response response = gateway.raw("GET /articles/one HTTP/1.1\r\nHost: shop.test\r\n"
                + "PAYMENT-SIGNATURE: " + "A".repeat(100 * 1024) + "\r\nConnection: close\r\n\r\n");
        assertRefused(response, "malformed_payment");
        assertThat(gateway.body(response)).contains("longer than");
    }

    @Test
    void anotherSchemeIsRefusedByName() throws Exception {
        PaymentRequirements exact = new PaymentRequirements("exact", "eip155:8453", "50000", "USDC", "seller-1",
                60, Map.of());
        String header = X402Codec.encodeHeader(new PaymentPayload(2, null, exact, Map.of("token", "x"), null));
        HttpTester.Response response = withHeader(header);
        assertRefused(response, "malformed_payment");
        assertThat(gateway.body(response)).contains("scheme 'exact' is not accepted here");
    }

    @Test
    void aPaymentToAnotherSellerIsRefused() throws Exception {
        PaymentRequirements elsewhere = new PaymentRequirements("scrip", "tollgate:test", "50000", "USD",
                "seller-2", 60, Map.of());
        String token = gateway.broker.scrip().sign();
        String header = X402Codec.encodeHeader(new PaymentPayload(2, null, elsewhere, Map.of("token", token), null));
        assertRefused(withHeader(header), "wrong_audience");
    }

    @Test
    void aPayloadWithoutATokenIsMalformed() throws Exception {
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:test", "50000", "USD",
                "seller-1", 60, Map.of());
        String header = X402Codec.encodeHeader(new PaymentPayload(2, null, accepted, Map.of(), null));
        assertRefused(withHeader(header), "malformed_payment");
    }

    @Test
    void aGarbageCookieIsRefusedNotIgnored() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, "garbage", null));
        assertRefused(response, "invalid_token");
    }

    @Test
    void aRefusedTokenIsNeverEchoedBack() throws Exception {
        String token = gateway.broker.scrip().tamperedSignature();
        HttpTester.Response response = pay(token);
        assertThat(gateway.body(response)).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        assertThat(response.get(PaymentHeaders.PAYMENT_REQUIRED)).doesNotContain(token);
    }
}
