package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.http.Receipts;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public final class TollgateFilterTest {

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

    public static PaymentRequired offerOf(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_REQUIRED), PaymentRequired.class);
    }

    public static SettlementResponse receiptOf(HttpTester.Response response) throws Exception {
        return X402Codec.decodeHeader(response.get(PaymentHeaders.PAYMENT_RESPONSE), SettlementResponse.class);
    }

    @Test
    void anUnpaidRequestGetsTheExactOfferInHeaderAndBody() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one?x=1");

        assertThat(response.getStatus()).isEqualTo(402);
        PaymentRequired offer = offerOf(response);
        assertThat(offer.x402Version()).isEqualTo(2);
        assertThat(offer.error()).isEqualTo("payment_required");
        assertThat(offer.resource().url()).isEqualTo("http://shop.test/articles/one?x=1");
        assertThat(offer.resource().description()).isEqualTo("One article");
        assertThat(offer.resource().mimeType()).isEqualTo("text/html");
        PaymentRequirements accepts = offer.accepts().get(0);
        assertThat(offer.accepts()).hasSize(1);
        assertThat(accepts.scheme()).isEqualTo("scrip");
        assertThat(accepts.network()).isEqualTo("tollgate:test");
        assertThat(accepts.amount()).isEqualTo("50000");
        assertThat(accepts.asset()).isEqualTo("USD");
        assertThat(accepts.payTo()).isEqualTo("seller-1");
        assertThat(accepts.maxTimeoutSeconds()).isEqualTo(60);
        assertThat(accepts.extra()).containsEntry("charge", "per-click")
                .containsEntry("issuer", "https://broker.test")
                .containsEntry("tokenEndpoint", "https://broker.test/v1/scrip");
        String headerJson = new String(Base64.getDecoder().decode(response.get(PaymentHeaders.PAYMENT_REQUIRED)),
                StandardCharsets.UTF_8);
        assertThat(gateway.body(response)).isEqualTo(headerJson);
        assertThat(response.get("Content-Type")).startsWith("application/json");
        assertThat(response.get("Cache-Control")).isEqualTo("no-store");
        assertThat(response.get("Access-Control-Expose-Headers")).contains("PAYMENT-REQUIRED", "PAYMENT-RESPONSE");
        assertThat(response.get("Vary")).contains("PAYMENT-SIGNATURE", "Cookie");
    }

    @Test
    void aBrowserGetsAReadablePaymentPage() throws Exception {
        HttpTester.Response response = gateway.get("/articles/one", "Accept", "text/html,application/xhtml+xml");

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(response.get("Content-Type")).startsWith("text/html");
        assertThat(response.get(PaymentHeaders.PAYMENT_REQUIRED)).isNotBlank();
        assertThat(gateway.body(response)).contains("<html lang=\"en\">", "<h1>One article</h1>",
                "0.05 USD for this page", "Pay 0.05 USD with Test Broker").doesNotContain("<script");
    }

    @Test
    void aValidScripIsChargedAndTheContentServedWithAReceipt() throws Exception {
        String token = gateway.broker.scrip().budget("120000").sign();

        HttpTester.Response response = gateway.paidGet("/articles/one", token, 50_000);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(gateway.body(response)).isEqualTo("content of /articles/one");
        SettlementResponse receipt = receiptOf(response);
        assertThat(receipt.success()).isTrue();
        assertThat(receipt.payer()).isEqualTo("buyer-1");
        assertThat(receipt.network()).isEqualTo("tollgate:test");
        assertThat(receipt.amount()).isEqualTo("50000");
        assertThat(receipt.extra()).containsEntry("remaining", "70000");
        assertThat(receipt.transaction()).isNotBlank();
        assertThat(response.get("X-Paid")).isEqualTo("50000 70000 buyer-1 " + receipt.transaction());
        assertThat(response.get("Cache-Control")).isEqualTo("private");
        assertThat(response.get("Vary")).contains("PAYMENT-SIGNATURE");
    }

    @Test
    void repeatClicksDrawTheBudgetDownUntilItIsExhausted() throws Exception {
        String token = gateway.broker.scrip().jti("j-repeat").budget("120000").sign();

        assertThat(gateway.paidGet("/articles/a", token, 50_000).getStatus()).isEqualTo(200);
        HttpTester.Response second = gateway.paidGet("/articles/b", token, 50_000);
        assertThat(receiptOf(second).extra()).containsEntry("remaining", "20000");
        HttpTester.Response third = gateway.paidGet("/articles/c", token, 50_000);

        assertThat(third.getStatus()).isEqualTo(402);
        assertThat(offerOf(third).error()).isEqualTo("insufficient_budget");
        assertThat(gateway.body(third)).contains("only 0.02 USD is left");
        assertThat(gateway.filter.ledger().remaining(new ScripAccount(TestBroker.ISSUER, "j-repeat",
                TestBroker.BUYER, TestBroker.SELLER, 120_000, "USD", java.time.Instant.now()))).isEqualTo(20_000);
    }

    @Test
    void aBuyerWhoAgreedToLessThanThePriceIsNotCharged() throws Exception {
        String token = gateway.broker.scrip().sign();

        HttpTester.Response response = gateway.paidGet("/articles/one", token, 49_999);

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(offerOf(response).error()).isEqualTo("price_changed");
        assertThat(offerOf(response).accepts().get(0).amount()).isEqualTo("50000");
    }

    @Test
    void theCookieFlowPaysWithoutAHeader() throws Exception {
        String token = gateway.broker.scrip().budget("100000").sign();

        HttpTester.Response response = gateway.get("/articles/one", BrowserRequests.withScrip(
                BrowserRequests.CLICK_HERE, token, "other=1"));

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(receiptOf(response).extra()).containsEntry("remaining", "50000");
    }

    @Test
    void freeAndUnmatchedPathsAndPreflightsPassWithoutPayment() throws Exception {
        assertThat(gateway.get("/free/one").getStatus()).isEqualTo(200);
        assertThat(gateway.get("/about").getStatus()).isEqualTo(200);
        HttpTester.Response preflight = gateway.request("OPTIONS", "/articles/one",
                "Origin", "https://other.test", "Access-Control-Request-Method", "GET");
        assertThat(preflight.getStatus()).isNotEqualTo(402);
        assertThat(gateway.get("/free/one").get(PaymentHeaders.PAYMENT_REQUIRED)).isNull();
    }

    @Test
    void aHeadRequestIsChargedLikeAGetBecauseHeadersCanBeTheContent() throws Exception {
        String token = gateway.broker.scrip().budget("100000").sign();

        assertThat(gateway.request("HEAD", "/articles/one").getStatus()).isEqualTo(402);
        HttpTester.Response head = gateway.request("HEAD", "/articles/one", PaymentHeaders.PAYMENT_SIGNATURE,
                GatewayHarness.paymentHeader(token, 50_000));
        assertThat(head.getStatus()).isEqualTo(200);
        assertThat(receiptOf(head).extra()).containsEntry("remaining", "50000");
        assertThat(head.get("Cache-Control")).isEqualTo("private");
    }

    @Test
    void oddlyWrittenPathsAndMethodsAreStillCharged() throws Exception {
        assertThat(gateway.get("/articles/one/").getStatus()).isEqualTo(402);
        assertThat(gateway.request("get", "/articles/one").getStatus()).isEqualTo(402);
        assertThat(gateway.get("/cached/").getStatus()).isEqualTo(402);
    }

    @Test
    void anAppErrorRefundsTheChargeAndTheReceiptSaysSo() throws Exception {
        String token = gateway.broker.scrip().budget("100000").sign();

        HttpTester.Response missing = gateway.paidGet("/missing/page", token, 50_000);

        assertThat(missing.getStatus()).isEqualTo(404);
        SettlementResponse receipt = receiptOf(missing);
        assertThat(receipt.success()).isFalse();
        assertThat(receipt.errorReason()).contains("refunded").contains("404");
        assertThat(receipt.extra()).containsEntry("remaining", "100000");
        HttpTester.Response next = gateway.paidGet("/articles/one", token, 50_000);
        assertThat(receiptOf(next).extra()).containsEntry("remaining", "50000");
    }

    @Test
    void anAppThatThrowsIsRefunded() throws Exception {
        String token = gateway.broker.scrip().budget("100000").sign();

        assertThat(gateway.paidGet("/boom", token, 50_000).getStatus()).isEqualTo(500);

        HttpTester.Response next = gateway.paidGet("/articles/one", token, 50_000);
        assertThat(receiptOf(next).extra()).containsEntry("remaining", "50000");
    }

    @Test
    void theAppCannotMakeAPaidResponseCacheableBySharedCaches() throws Exception {
        String token = gateway.broker.scrip().sign();

        HttpTester.Response response = gateway.paidGet("/cached", token, 10_000);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.get("Cache-Control")).isEqualTo("private, max-age=600");
        assertThat(response.get("Surrogate-Control")).isNull();
        assertThat(response.get("CDN-Cache-Control")).isNull();
        assertThat(response.get("Cloudflare-CDN-Cache-Control")).isNull();
        assertThat(response.get("X-Accel-Expires")).isNull();
        assertThat(response.get("Vary")).isEqualTo("Accept-Encoding, PAYMENT-SIGNATURE, TOLLGATE-REFERENCE, TOLLGATE-PAYWORD, Cookie");
        assertThat(response.get("X-Kept")).isEqualTo("yes");
    }

    @Test
    void contentThatFailsAfterItStartedToBeSentIsNotRefunded() throws Exception {
        String token = gateway.broker.scrip().budget("100000").sign();

        gateway.paidGet("/partial", token, 10_000);

        HttpTester.Response next = gateway.paidGet("/articles/one", token, 50_000);
        assertThat(receiptOf(next).extra()).containsEntry("remaining", "40000");
    }

    @Test
    void theReceiptHeaderDecodesLikeTheCodecsOwnEncoding() throws Exception {
        String header = Receipts.paid("tollgate:test", Receipts.jsonString("b\"uyer\\\n"), "r-1", 5, 7);
        SettlementResponse decoded = X402Codec.decodeHeader(header, SettlementResponse.class);
        assertThat(decoded).isEqualTo(new SettlementResponse(true, null, "b\"uyer\\\n", "r-1", "tollgate:test", "5",
                java.util.Map.of("remaining", "7")));
    }
}
