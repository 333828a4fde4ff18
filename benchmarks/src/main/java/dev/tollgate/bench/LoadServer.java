package dev.tollgate.bench;

import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.testing.JwksServer;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A server for whole-request figures under {@code wrk}: the same 10 KB page on two ports, one bare and one behind
 * the filter ({@code /free/page} passes free, {@code /paid/page} costs one micro-unit). Writes the payment header
 * to pay with to a file. Runs until killed.
 *
 * <p>Usage: {@code LoadServer <filtered port> <bare port> <work dir> <power-cut-safe|process-crash-safe>}
 */
public final class LoadServer {

    private LoadServer() {
    }

    public static void main(String[] args) throws Exception {
        int filteredPort = Integer.parseInt(args[0]);
        int barePort = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        String durability = args.length > 3 ? args[3] : "power-cut-safe";
        Files.createDirectories(dir);

        TestBroker broker = new TestBroker();
        JwksServer jwks = JwksServer.start(broker::jwksJson);
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, String.join("\n",
                "seller:",
                "  id: " + TestBroker.SELLER,
                "broker:",
                "  id: bench",
                "  issuer: " + TestBroker.ISSUER,
                "  jwks-url: " + jwks.jwksUri(),
                "  token-endpoint: https://broker.test/v1/scrip",
                "currency: USD",
                "data-dir: data",
                "ledger:",
                "  durability: " + durability,
                "rules:",
                "  - match: /free/**",
                "    charge: free",
                "  - match: /paid/**",
                "    price: 0.000001",
                ""));
        String token = broker.scrip().budget(Long.toString(Long.MAX_VALUE / 2))
                .expiresAt(java.time.Instant.now().plusSeconds(24 * 3600)).sign();
        PaymentRequirements accepted = new PaymentRequirements("scrip", "tollgate:bench", "1", "USD",
                TestBroker.SELLER, 60, Map.of());
        String header = X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://localhost/", "", ""),
                accepted, Map.of("token", token), null));
        Files.writeString(dir.resolve("payment-header.txt"), header);
        // The same payment as JSON with an x402 payment identifier to fill in per request (load.sh case "ids").
        Files.write(dir.resolve("payment-json-with-id.txt"), java.util.Base64.getDecoder().decode(
                X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://localhost/", "", ""), accepted,
                        Map.of("token", token), Map.of("payment-identifier", Map.of("info",
                                Map.of("required", false, "id", "pay_" + "X".repeat(32))))))));
        Files.writeString(dir.resolve("scrip-token.txt"), token);

        byte[] page = new byte[10 * 1024];
        Arrays.fill(page, (byte) 'x');
        Server server = new Server();
        ServerConnector filtered = new ServerConnector(server);
        filtered.setHost("127.0.0.1");
        filtered.setPort(filteredPort);
        ServerConnector bare = new ServerConnector(server);
        bare.setHost("127.0.0.1");
        bare.setPort(barePort);
        server.addConnector(filtered);
        server.addConnector(bare);

        ServletContextHandler gated = new ServletContextHandler();
        gated.setContextPath("/");
        gated.setVirtualHosts(java.util.List.of("@filtered"));
        filtered.setName("filtered");
        gated.addFilter(new FilterHolder(TollgateFilter.builder().configFile(config).build()), "/*",
                EnumSet.of(DispatcherType.REQUEST));
        gated.addServlet(new ServletHolder(new PageServlet(page)), "/");

        ServletContextHandler plain = new ServletContextHandler();
        plain.setContextPath("/");
        plain.setVirtualHosts(java.util.List.of("@bare"));
        bare.setName("bare");
        plain.addServlet(new ServletHolder(new PageServlet(page)), "/");

        server.setHandler(new org.eclipse.jetty.server.Handler.Sequence(gated, plain));
        server.start();
        System.out.println("ready: filtered " + filteredPort + ", bare " + barePort);
        server.join();
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
