package dev.tollgate.bench;

import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.SelfSignedCertificate;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A server for whole-request figures under {@code wrk}: the same 10 KB page on two ports, one bare and one behind
 * the filter ({@code /free/page} passes free; {@code /paid/page} costs one micro-unit per click, {@code /payword/page}
 * too, paid with scrip or PayWord; {@code /video/<stream>/<segment>} costs one micro-unit per stream and 4 h), and
 * the same two on two more ports over HTTPS (a self-signed certificate). Writes the payments to send to files in the
 * work dir (see {@link LoadFixtures}). Runs until killed.
 *
 * <p>Usage: {@code LoadServer <filtered port> <bare port> <work dir> <power-cut-safe|process-crash-safe>
 * [tls=<filtered port>:<bare port>] [buyers=<n>] [first-seen=<n>] [payword=<n>] [payword-compact=<n>]
 * [cluster=<redis URI>]}: the pools of first-seen scrip and PayWord words (full or compact, on chains of their own)
 * are made only when asked for, as large as asked; {@code cluster} writes the folders of the cluster cases'
 * {@link ClusterNode}s ({@link ClusterConfigs}), which trust this server's broker and are paid by the same buyers.
 */
public final class LoadServer {

    private LoadServer() {
    }

    public static void main(String[] args) throws Exception {
        int filteredPort = Integer.parseInt(args[0]);
        int barePort = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        String durability = args.length > 3 ? args[3] : "power-cut-safe";
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] option = args[i].split("=", 2);
            options.put(option[0], option[1]);
        }
        Files.createDirectories(dir);

        TestBroker broker = new TestBroker();
        ScripMint mint = new ScripMint(broker); // before the JWKS is first fetched, so its key is in it
        JwksServer jwks = JwksServer.start(broker::jwksJson);
        Path config = BrokerFixture.writeConfig(dir, jwks.jwksUri(), String.join("\n",
                "data-dir: data",
                "payword:",
                "  max-chain-length: 10000000",
                "rules:",
                "  - match: /free/**",
                "    charge: free",
                "  - match: /paid/**",
                "    price: 0.000001",
                "  - match: /payword/**",
                "    price: 0.000001",
                "    schemes: [scrip, payword]",
                "  - match: /video/**",
                "    price: 0.000001",
                "    charge: per-stream",
                "    window: 4h",
                "    stream: /video/{id}/**",
                ""));
        Files.writeString(config, Files.readString(config).replace("durability: process-crash-safe",
                "durability: " + durability));
        List<String> firstPayWords = writePayments(dir, broker, mint, options);
        if (options.containsKey("cluster")) {
            ClusterConfigs.write(dir, jwks.jwksUri(), durability, options.get("cluster"));
        }

        byte[] page = new byte[10 * 1024];
        Arrays.fill(page, (byte) 'x');
        Server server = new Server();
        connector(server, "filtered", filteredPort, null);
        connector(server, "bare", barePort, null);
        String[] tls = options.getOrDefault("tls", "").split(":");
        if (tls.length == 2) {
            SslContextFactory.Server ssl = SelfSignedCertificate.generate()
                    .sslContextFactory();
            connector(server, "filtered", Integer.parseInt(tls[0]), ssl);
            connector(server, "bare", Integer.parseInt(tls[1]), ssl);
        }

        ServletContextHandler gated = new ServletContextHandler();
        gated.setContextPath("/");
        gated.setVirtualHosts(List.of("@filtered"));
        gated.addFilter(new FilterHolder(TollgateFilter.builder().configFile(config).build()), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        gated.addServlet(new ServletHolder(new PageServlet(page)), "/");

        ServletContextHandler plain = new ServletContextHandler();
        plain.setContextPath("/");
        plain.setVirtualHosts(List.of("@bare"));
        plain.addServlet(new ServletHolder(new PageServlet(page)), "/");

        server.setHandler(new org.eclipse.jetty.server.Handler.Sequence(gated, plain));
        server.start();
        payFirstWords(filteredPort, firstPayWords);
        System.out.println("ready: filtered " + filteredPort + ", bare " + barePort + ", tls " + String.join(":", tls));
        server.join();
    }

    /**
     * The one buyer's payments of the first cases, then the files of {@link LoadFixtures} asked for. Returns the
     * first payment of each PayWord chain (none if the PayWord pool was not asked for).
     */
    private static List<String> writePayments(Path dir, TestBroker broker, ScripMint mint, Map<String, String> options)
            throws IOException {
        String token = broker.scrip().budget(Long.toString(Long.MAX_VALUE / 2))
                .expiresAt(Instant.now().plusSeconds(24 * 3600)).sign();
        PaymentRequirements accepted = new PaymentRequirements("scrip", BrokerFixture.NETWORK, "1", "USD",
                TestBroker.SELLER, 60, Map.of());
        Files.writeString(dir.resolve("payment-header.txt"), BrokerFixture.paymentHeader(token, 1));
        // The same payment as JSON with an x402 payment identifier to fill in per request (load.sh case "ids").
        Files.write(dir.resolve("payment-json-with-id.txt"), Base64.getDecoder().decode(
                X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://localhost/", "", ""), accepted,
                        Map.of("token", token), Map.of("payment-identifier", Map.of("info",
                                Map.of("required", false, "id", "pay_" + "X".repeat(32))))))));
        Files.writeString(dir.resolve("scrip-token.txt"), token);
        LoadFixtures.buyers(mint, Integer.parseInt(options.getOrDefault("buyers", "1000")),
                dir.resolve("buyers.txt"));
        if (options.containsKey("first-seen")) {
            LoadFixtures.firstSeen(mint, Integer.parseInt(options.get("first-seen")), dir.resolve("first-seen.txt"));
        }
        List<String> firstWords = new java.util.ArrayList<>();
        if (options.containsKey("payword")) {
            firstWords.addAll(LoadFixtures.payWord(broker, Integer.parseInt(options.get("payword")),
                    dir.resolve("payword.txt"), false));
        }
        if (options.containsKey("payword-compact")) { // chains of its own: the two cases never pay each other's
            firstWords.addAll(LoadFixtures.payWord(broker, Integer.parseInt(options.get("payword-compact")),
                    dir.resolve("payword-compact.txt"), true));
        }
        return firstWords;
    }

    /** Opens every PayWord chain of the pool with its commitment and first word, one after the other. */
    private static void payFirstWords(int port, List<String> payments) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        for (String payment : payments) {
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/payword/page"))
                    .header("PAYMENT-SIGNATURE", payment).build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("the first PayWord payment of a chain got " + response.statusCode());
            }
        }
    }

    /** A connector on loopback named {@code name} (what a context's virtual host {@code @name} selects). */
    private static void connector(Server server, String name, int port,
                                  SslContextFactory.Server ssl) {
        ServerConnector connector;
        if (ssl == null) {
            connector = new ServerConnector(server);
        } else {
            HttpConfiguration https = new HttpConfiguration();
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false); // wrk connects to 127.0.0.1, not to the certificate's name
            https.addCustomizer(secure);
            connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                    new HttpConnectionFactory(https));
        }
        connector.setName(name);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
    }

    /** Serves the same bytes for every path, as a static page would. */
    static final class PageServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient byte[] page;

        PageServlet(byte[] page) {
            this.page = page;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/html");
            response.setContentLength(page.length);
            response.getOutputStream().write(page);
        }
    }
}
