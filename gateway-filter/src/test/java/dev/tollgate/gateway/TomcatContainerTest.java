package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filter is container-neutral: the core scenarios in embedded Tomcat, configured as web.xml would. */
final class TomcatContainerTest {

    @TempDir
    Path dir;

    GatewayHarness keys;
    Tomcat tomcat;
    HttpClient client = HttpClient.newHttpClient();
    String base;

    @BeforeEach
    void start() throws Exception {
        keys = new GatewayHarness(dir).writeConfig(GatewayHarness.RULES);
        tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        tomcat.setPort(0);
        tomcat.setSilent(true);
        Context context = tomcat.addContext("", null);
        Tomcat.addServlet(context, "content", new GatewayHarness.ContentServlet());
        context.addServletMappingDecoded("/", "content");
        FilterDef filter = new FilterDef();
        filter.setFilterName("tollgate");
        filter.setFilterClass(TollgateFilter.class.getName());
        filter.addInitParameter(TollgateFilter.CONFIG_INIT_PARAM, keys.configFile.toString());
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("tollgate");
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
        tomcat.getConnector();
        tomcat.start();
        base = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        keys.close();
    }

    private HttpResponse<String> get(String path, String paymentHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (paymentHeader != null) {
            request.header(PaymentHeaders.PAYMENT_SIGNATURE, paymentHeader);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void unpaidRequestsGetTheOffer() throws Exception {
        HttpResponse<String> response = get("/articles/one", null);

        assertThat(response.statusCode()).isEqualTo(402);
        PaymentRequired offer = X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(), PaymentRequired.class);
        assertThat(offer.accepts().get(0).amount()).isEqualTo("50000");
        assertThat(offer.resource().url()).isEqualTo(base + "/articles/one");
    }

    @Test
    void paidRequestsAreChargedAndServed() throws Exception {
        String token = keys.broker.scrip().budget("100000").sign();

        HttpResponse<String> response = get("/articles/one", GatewayHarness.paymentHeader(token, 50_000));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("content of /articles/one");
        SettlementResponse receipt = X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(),
                SettlementResponse.class);
        assertThat(receipt.extra()).containsEntry("remaining", "50000");
    }

    @Test
    void appErrorsAreRefunded() throws Exception {
        String token = keys.broker.scrip().budget("100000").sign();

        assertThat(get("/missing/x", GatewayHarness.paymentHeader(token, 50_000)).statusCode()).isEqualTo(404);

        HttpResponse<String> next = get("/articles/one", GatewayHarness.paymentHeader(token, 50_000));
        SettlementResponse receipt = X402Codec.decodeHeader(
                next.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(), SettlementResponse.class);
        assertThat(receipt.extra()).containsEntry("remaining", "50000");
    }

    @Test
    void aMultiKilobyteQueryStringGetsA402NotA500() throws Exception {
        // Tomcat allows 8 KiB of request and of response headers: the offer cannot carry this query along.
        HttpResponse<String> response = get("/articles/one?utm=" + "q".repeat(6_000), null);

        assertThat(response.statusCode()).isEqualTo(402);
        PaymentRequired offer = X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(), PaymentRequired.class);
        assertThat(offer.resource().url()).isEqualTo(base + "/articles/one");
    }

    @Test
    void aMultiKilobytePathGetsA402NotA500() throws Exception {
        String path = "/articles/" + "p".repeat(6_000);

        HttpResponse<String> response = get(path, null);

        assertThat(response.statusCode()).isEqualTo(402);
        PaymentRequired offer = X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(), PaymentRequired.class);
        assertThat(base + path).startsWith(offer.resource().url());
    }

    @Test
    void freePathsPass() throws Exception {
        assertThat(get("/free/page", null).statusCode()).isEqualTo(200);
    }
}
