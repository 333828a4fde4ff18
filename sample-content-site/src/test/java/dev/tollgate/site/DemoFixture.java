package dev.tollgate.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.X402Codec;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The demo started in-process on free ports with a temporary data directory and a copy of the documented
 * {@code config/gateway.yaml} (its placeholders follow the flags), and a client that trusts only the generated
 * certificate.
 */
final class DemoFixture implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path config;
    final DemoSite site;
    final HttpClient http;
    private final java.util.List<String> flags;

    private DemoFixture(Path dir, Path config, DemoSite site, HttpClient http, java.util.List<String> flags) {
        this.dir = dir;
        this.config = config;
        this.site = site;
        this.http = http;
        this.flags = flags;
    }

    static DemoFixture start(Path dir, String... extraFlags) throws Exception {
        return start(dir, freePort(), extraFlags);
    }

    /** The demo with plain HTTP on {@code httpPort}, which may be taken. */
    static DemoFixture start(Path dir, int httpPort, String... extraFlags) throws Exception {
        return start(dir, httpPort, Clock.systemUTC(), extraFlags);
    }

    /** The demo, its brokers and its gateway on {@code clock}: a test moves time forward for all of them at once. */
    static DemoFixture start(Path dir, Clock clock, String... extraFlags) throws Exception {
        return start(dir, freePort(), clock, extraFlags);
    }

    private static DemoFixture start(Path dir, int httpPort, Clock clock, String... extraFlags) throws Exception {
        int port = freePort();
        int brokerPort = freePort();
        int secondBrokerPort = freePort();
        // A copy, so that a test may edit prices; its placeholders follow the flags as with the real file.
        Path config = dir.resolve("gateway.yaml");
        Files.copy(Path.of("..", "config", "gateway.yaml"), config);
        java.util.List<String> flags = new java.util.ArrayList<>(java.util.List.of("--port", Integer.toString(port),
                "--broker-port", Integer.toString(brokerPort), "--second-broker-port",
                Integer.toString(secondBrokerPort), "--http-port", Integer.toString(httpPort), "--data",
                dir.resolve("data").toString(), "--config", config.toString()));
        flags.addAll(java.util.List.of(extraFlags));
        Options options = Options.parse(flags);
        DemoSite site = DemoSite.start(options, clock);
        HttpClient http = HttpClient.newBuilder().sslContext(trusting(site.tls().certificatePem()))
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
        return new DemoFixture(dir, config, site, http, flags);
    }

    /**
     * Node {@code number} of the cluster this demo (started with {@code --redis}) is node 1 of: the same flags and
     * {@code --node number}, as the README says. It shares this one's data folder, config and brokers.
     */
    DemoFixture node(int number) throws Exception {
        java.util.List<String> nodeFlags = new java.util.ArrayList<>(flags);
        nodeFlags.addAll(java.util.List.of("--node", Integer.toString(number)));
        return new DemoFixture(dir, config, DemoSite.start(Options.parse(nodeFlags)), http, nodeFlags);
    }

    /** A client context that trusts the PEM file alone, as a user who imported the demo certificate would. */
    static SSLContext trusting(Path pem) throws Exception {
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(pem)) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("demo", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    URI site(String path) {
        return site.siteUri().resolve(path);
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(site(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> getBytes(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(site(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Buys scrip for the demo seller from the broker's API with the demo buyer's API key. */
    String buyScrip(long budgetMicros) throws Exception {
        return buyScrip(site.brokerUri(), site.buyer(), budgetMicros);
    }

    /** Buys scrip for the demo seller from {@code broker}'s API with its demo buyer's API key. */
    String buyScrip(URI broker, DemoSite.DemoBuyer buyer, long budgetMicros) throws Exception {
        HttpResponse<String> bought = http.send(HttpRequest.newBuilder(broker.resolve("/v1/scrip"))
                .header("Authorization", "Bearer " + buyer.apiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"seller\":\"daily-byte\",\"budget\":\"" + budgetMicros
                        + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        if (bought.statusCode() != 201) {
            throw new IllegalStateException("the broker sold no scrip: " + bought.statusCode() + " " + bought.body());
        }
        JsonNode body = JSON.readTree(bought.body());
        return body.path("token").asText();
    }

    /** What {@code broker} has redeemed of its {@code buyer}'s scrip for the demo seller. */
    long redeemedAt(URI broker, DemoSite.DemoBuyer buyer) throws Exception {
        HttpResponse<String> me = http.send(HttpRequest.newBuilder(broker.resolve("/v1/accounts/me"))
                .header("Authorization", "Bearer " + buyer.apiKey()).build(), HttpResponse.BodyHandlers.ofString());
        long redeemed = 0;
        for (JsonNode scrip : JSON.readTree(me.body()).path("scrip")) {
            if (scrip.path("seller").asText().equals("daily-byte")) {
                redeemed += Long.parseLong(scrip.path("redeemed").asText());
            }
        }
        return redeemed;
    }

    /** The PAYMENT-SIGNATURE a program of the first broker's buyer sends. */
    String paymentFor(String path, String token) throws Exception {
        return paymentFor(path, token, "tollgate:demo");
    }

    /** The PAYMENT-SIGNATURE a program sends: it accepts the 402's offer on {@code network}, with the scrip. */
    String paymentFor(String path, String token, String network) throws Exception {
        HttpResponse<String> offer = get(path);
        if (offer.statusCode() != 402) {
            throw new IllegalStateException(path + " is not priced: " + offer.statusCode());
        }
        PaymentRequired required = X402Codec.decodeHeader(
                offer.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElseThrow(), PaymentRequired.class);
        return X402Codec.encodeHeader(new PaymentPayload(PaymentHeaders.X402_VERSION, required.resource(),
                required.accepts().stream().filter(accepted -> accepted.network().equals(network)).findFirst()
                        .orElseThrow(), Map.of("token", token), null));
    }

    /** Quits the browser, then stops the demo; either may be null, if its start failed. */
    static void stop(org.openqa.selenium.WebDriver browser, DemoFixture demo) {
        if (browser != null) {
            browser.quit();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @Override
    public void close() {
        site.close();
    }
}
