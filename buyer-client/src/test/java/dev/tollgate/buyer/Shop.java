package dev.tollgate.buyer;

import dev.tollgate.broker.Broker;
import dev.tollgate.broker.Seller;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.protocol.PaymentHeaders;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real seller and a real broker on loopback ports: the reference broker (demo mode, a funded buyer) and Jetty with
 * the unchanged {@link TollgateFilter} in front of a small app: articles at 0.05 per click (scrip or PayWord),
 * videos at 0.10 per stream, files metered at 0.01 per KiB (scrip or PayWord) with Range support, and a 0.50 report.
 */
final class Shop implements AutoCloseable {

    static final String SELLER = "daily-byte";
    static final long ARTICLE = 50_000;
    static final long VIDEO = 100_000;
    static final long KIB_PRICE = 10_000;
    static final long DEPOSIT = 50_000_000;
    static final String ISSUER = "https://broker.test";

    final Broker broker;
    final TollgateFilter filter;
    final Server server;
    final String apiKey;
    final URI base;
    /**
     * Per request the app served: how it was paid ({@code signature}, {@code reference}, {@code compact} for a
     * compact PayWord word, or {@code none}).
     */
    final Queue<String> paidWith;

    private Shop(Broker broker, TollgateFilter filter, Server server, String apiKey, Queue<String> paidWith) {
        this.paidWith = paidWith;
        this.broker = broker;
        this.filter = filter;
        this.server = server;
        this.apiKey = apiKey;
        this.base = URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
    }

    static Shop start(Path dir) throws Exception {
        Broker broker = Broker.builder().port(0).dataDir(dir.resolve("broker")).issuer(ISSUER)
                .demoMode(true).build().start();
        Shop shop = open(dir, broker, 0, null);
        broker.registerSeller(Seller.of(SELLER, "The Daily Byte", shop.filter.sellerPublicJwk(),
                List.of("https://news.example")));
        return shop;
    }

    /**
     * This shop's gateway stopped and another started at the same origin on the same broker, with the config and an
     * empty ledger in {@code dir}: it knows none of the chains the first one recorded. Close the returned shop only.
     */
    Shop reopenedWithEmptyLedger(Path dir) throws Exception {
        int port = base.getPort();
        server.stop();
        return open(dir, broker, port, apiKey);
    }

    private static Shop open(Path dir, Broker broker, int port, String apiKey) throws Exception {
        Path config = dir.resolve("gateway.yaml");
        Files.createDirectories(dir);
        Files.writeString(config, String.join("\n",
                "seller:",
                "  id: " + SELLER,
                "broker:",
                "  id: demo",
                "  issuer: " + ISSUER,
                "  jwks-url: " + broker.jwksUri(),
                "  token-endpoint: " + broker.baseUri() + "/v1/scrip",
                "  redemption-url: " + broker.baseUri() + "/v1/redemptions",
                "currency: USD",
                "settlement:",
                "  interval: 1s",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                "    schemes: [scrip, payword]",
                "  - match: /videos/**",
                "    price: 0.10",
                "    charge: per-stream",
                "    window: 1h",
                "    stream: /videos/{id}/**",
                "  - match: /files/**",
                "    price: 0.01",
                "    charge: metered",
                "    unit: 1KiB",
                "    schemes: [scrip, payword]",
                "  - match: /reports/**",
                "    price: 0.50",
                ""));
        TollgateFilter filter = TollgateFilter.builder().configFile(config).build();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        Queue<String> paidWith = new ConcurrentLinkedQueue<>();
        context.addServlet(new ServletHolder(new App(paidWith)), "/");
        server.setHandler(context);
        server.start();
        String key = apiKey != null ? apiKey : broker.createDemoBuyer("alice", DEPOSIT).apiKey();
        return new Shop(broker, filter, server, key, paidWith);
    }

    URI url(String path) {
        return base.resolve(path);
    }

    /** A client of this shop's buyer within {@code limits}. */
    TollgateClient.Builder client(SpendingLimits limits) {
        return TollgateClient.builder().broker(broker.baseUri()).apiKey(apiKey).limits(limits);
    }

    /** What the seller's ledger charged in all, net of refunds. */
    long sellerCharged() throws Exception {
        return filter.report(0).totalMicros();
    }

    /** The deterministic content of {@code /files/<n>}: n bytes. */
    static byte[] file(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + (i >> 8));
        }
        return bytes;
    }

    @Override
    public void close() throws Exception {
        server.stop();
        broker.close();
    }

    /** Articles and videos as text; {@code /files/<n>} as n bytes, honouring {@code Range: bytes=a-} and {@code a-b}. */
    private static final class App extends HttpServlet {

        private static final long serialVersionUID = 1L;
        private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

        private final transient Queue<String> paidWith;

        App(Queue<String> paidWith) {
            this.paidWith = paidWith;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            paidWith.add(request.getHeader(PaymentHeaders.PAYMENT_SIGNATURE) != null ? "signature"
                    : request.getHeader(PaymentHeaders.TOLLGATE_REFERENCE) != null ? "reference"
                    : request.getHeader(PaymentHeaders.TOLLGATE_PAYWORD) != null ? "compact" : "none");
            String path = request.getRequestURI();
            if (!path.startsWith("/files/")) {
                byte[] text = ("content of " + path).getBytes(StandardCharsets.UTF_8);
                response.setContentType("text/plain");
                response.setContentLength(text.length);
                response.getOutputStream().write(text);
                return;
            }
            byte[] file = file(Integer.parseInt(path.substring("/files/".length())));
            int from = 0;
            int to = file.length - 1;
            String range = request.getHeader("Range");
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (m != null && m.matches()) {
                from = Integer.parseInt(m.group(1));
                if (!m.group(2).isEmpty()) {
                    to = Math.min(to, Integer.parseInt(m.group(2)));
                }
                if (from > to) {
                    response.setStatus(416);
                    response.setHeader("Content-Range", "bytes */" + file.length);
                    return;
                }
                response.setStatus(206);
                response.setHeader("Content-Range", "bytes " + from + "-" + to + "/" + file.length);
            }
            response.setContentType("application/octet-stream");
            response.setContentLengthLong(to - from + 1L);
            response.getOutputStream().write(file, from, to - from + 1);
        }
    }
}
