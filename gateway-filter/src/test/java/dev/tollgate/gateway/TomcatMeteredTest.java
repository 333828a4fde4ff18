package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.ledger.LedgerView;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.apache.catalina.Context;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metering is container-neutral: the cut, the clean end and the abort in embedded Tomcat, with its DefaultServlet. */
final class TomcatMeteredTest {

    static final String RULES = String.join("\n",
            "rules:",
            "  - match: /gen/**",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 1KiB",
            "  - match: '*.bin'",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 1KiB",
            "");

    @TempDir
    Path dir;

    GatewayHarness keys;
    Tomcat tomcat;
    TollgateFilter filter;
    HttpClient client = HttpClient.newHttpClient();
    String base;
    byte[] file;

    @BeforeEach
    void start() throws Exception {
        keys = new GatewayHarness(dir).writeConfig(RULES);
        Path docs = Files.createDirectories(dir.resolve("docs"));
        file = new byte[MeteredTest.FILE_LENGTH];
        for (int i = 0; i < file.length; i++) {
            file[i] = (byte) (i % 253);
        }
        Files.write(docs.resolve("big.bin"), file);
        tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("tomcat").toString());
        tomcat.setPort(0);
        tomcat.setSilent(true);
        Context context = tomcat.addContext("", docs.toString());
        Tomcat.addServlet(context, "default", new DefaultServlet());
        context.addServletMappingDecoded("/", "default");
        Tomcat.addServlet(context, "gen", new MeteredTest.Generator());
        context.addServletMappingDecoded("/gen/*", "gen");
        filter = TollgateFilter.builder().configFile(keys.configFile).clock(keys.clock).build();
        FilterDef def = new FilterDef();
        def.setFilterName("tollgate");
        def.setFilter(filter);
        def.setFilterClass(TollgateFilter.class.getName());
        context.addFilterDef(def);
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
        MeteredTest.betweenWrites = () -> { };
        tomcat.stop();
        tomcat.destroy();
        keys.close();
    }

    private HttpResponse<byte[]> get(String path, String jti, long budget) throws Exception {
        String token = keys.broker.scrip().jti(jti).budget(Long.toString(budget)).sign();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .header(PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token, 10_000)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private long remaining(String jti, long budget) throws Exception {
        LedgerView ledger = filter.ledger();
        return ledger.remaining(new ScripAccount(TestBroker.ISSUER, jti, TestBroker.BUYER, TestBroker.SELLER, budget,
                "USD", Instant.now().plusSeconds(3600)));
    }

    @Test
    void aLongerFileIsCutToA206OfThePaidBytes() throws Exception {
        HttpResponse<byte[]> response = get("/big.bin", "t-cut", 35_000);

        assertThat(response.statusCode()).isEqualTo(206);
        assertThat(response.headers().firstValue("Content-Range")).contains("bytes 0-3071/" + file.length);
        assertThat(response.body()).isEqualTo(Arrays.copyOf(file, 3072));
        assertThat(remaining("t-cut", 35_000)).isEqualTo(5_000);
    }

    @Test
    void aBodyOfUnknownLengthEndsCleanlyAtThePaidBytes() throws Exception {
        HttpResponse<byte[]> response = get("/gen/chunks", "t-unknown", 20_000);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(Arrays.copyOf(MeteredTest.Generator.BODY, 2048));
        assertThat(remaining("t-unknown", 20_000)).isZero();
    }

    @Test
    void aUnitThatCannotBePaidMidBodyAbortsTheResponse() throws Exception {
        long budget = 50_000;
        ScripAccount account = new ScripAccount(TestBroker.ISSUER, "t-drain", TestBroker.BUYER, TestBroker.SELLER,
                budget, "USD", Instant.now().plusSeconds(3600));
        MeteredTest.betweenWrites = () -> {
            try {
                filter.recordingLedger().charge(account, filter.recordingLedger().remaining(account), "/elsewhere");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };

        assertThatThrownBy(() -> get("/gen/drain", "t-drain", budget)).isInstanceOf(IOException.class);
        assertThat(remaining("t-drain", budget)).isZero();
    }
}
