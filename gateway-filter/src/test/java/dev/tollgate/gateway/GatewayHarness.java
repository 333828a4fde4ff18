package dev.tollgate.gateway;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;

/**
 * A real Jetty server with the filter in front of a small content servlet, a real JWKS endpoint and a signing test
 * broker: what every filter test runs against.
 */
public final class GatewayHarness implements AutoCloseable {

    public static final String RULES = String.join("\n",
            "rules:",
            "  - match: /free/**",
            "    charge: free",
            "  - match: /articles/**",
            "    price: 0.05",
            "    description: One article",
            "    mime-type: text/html",
            "  - match: /missing/**",
            "    price: 0.05",
            "  - match: /boom",
            "    price: 0.05",
            "  - match: /cached",
            "    price: 0.01",
            "  - match: /partial",
            "    price: 0.01",
            "");

    public final TestBroker broker;
    final JwksServer jwks;
    final Path dir;
    final Path configFile;
    public final MutableClock clock;
    private Server server;
    private LocalConnector connector;
    private final Map<String, java.util.function.Supplier<ServletHolder>> servlets = new java.util.LinkedHashMap<>();
    public TollgateFilter filter;
    private EnumSet<DispatcherType> dispatcherTypes = EnumSet.of(DispatcherType.REQUEST);
    private String sellerExtra = "";
    private String brokerExtra = "";
    private String brokers;

    public GatewayHarness(Path dir) {
        this(dir, null);
    }

    /** With {@code tls}, the JWKS is served over HTTPS with that certificate. */
    public GatewayHarness(Path dir, dev.tollgate.gateway.testing.SelfSignedCertificate tls) {
        this.dir = dir;
        this.clock = MutableClock.atNow();
        this.broker = new TestBroker(clock);
        this.jwks = tls == null ? JwksServer.start(broker::jwksJson) : JwksServer.startHttps(broker::jwksJson, tls);
        this.configFile = dir.resolve("gateway.yaml");
    }

    /** Lines added to the {@code seller:} and {@code broker:} sections of every config written from now on. */
    public GatewayHarness extraSettings(String seller, String broker) {
        this.sellerExtra = seller;
        this.brokerExtra = broker;
        return this;
    }

    /**
     * A {@code brokers:} section (the whole YAML, key included) written instead of the {@code broker:} section in every
     * config written from now on: for several brokers.
     */
    public GatewayHarness brokers(String section) {
        this.brokers = section;
        return this;
    }

    public static String config(java.net.URI jwksUri, String rules) {
        return config(jwksUri, "", "", rules);
    }

    public static String config(java.net.URI jwksUri, String sellerExtra, String brokerExtra, String rules) {
        return String.join("\n",
                "seller:",
                "  id: " + TestBroker.SELLER,
                "  name: Test Seller" + (sellerExtra.isEmpty() ? "" : "\n" + sellerExtra),
                "broker:" + (brokerExtra.isEmpty() ? "" : "\n" + brokerExtra),
                "  id: test",
                "  name: Test Broker",
                "  issuer: " + TestBroker.ISSUER,
                "  jwks-url: " + jwksUri,
                "  token-endpoint: https://broker.test/v1/scrip",
                "  clock-skew: 0s",
                "currency: USD",
                "ledger:",
                "  durability: process-crash-safe",
                "") + rules;
    }

    public GatewayHarness writeConfig(String rules) throws IOException {
        Path next = dir.resolve("gateway.yaml.next");
        String config = config(jwks.jwksUri(), sellerExtra, brokerExtra, rules);
        if (brokers != null) {
            config = config.substring(0, config.indexOf("broker:")) + brokers + config.substring(config.indexOf(
                    "currency:"));
        }
        Files.writeString(next, config);
        Files.move(next, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return this;
    }

    public GatewayHarness start() throws Exception {
        return start(TollgateFilter.builder().configFile(configFile).clock(clock).build());
    }

    public GatewayHarness start(Ledger ledger) throws Exception {
        return start(TollgateFilter.builder().configFile(configFile).clock(clock).ledger(ledger).build());
    }

    public GatewayHarness start(TollgateFilter filter) throws Exception {
        if (!Files.exists(configFile)) {
            writeConfig(RULES);
        }
        this.filter = filter;
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(256 * 1024);
        connector = new LocalConnector(server, new HttpConnectionFactory(http));
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(filter), "/*", dispatcherTypes);
        context.addServlet(new ServletHolder(new ContentServlet()), "/");
        servlets.forEach((pathSpec, holder) -> context.addServlet(holder.get(), pathSpec));
        server.setHandler(context);
        server.start();
        return this;
    }

    /** Maps the filter for these dispatches (default: requests only, as {@code web.xml} does). */
    GatewayHarness dispatch(EnumSet<DispatcherType> types) {
        this.dispatcherTypes = types;
        return this;
    }

    /** Serves {@code pathSpec} with another servlet, made anew each time the server starts. */
    public GatewayHarness serve(String pathSpec, java.util.function.Supplier<ServletHolder> servlet) {
        servlets.put(pathSpec, servlet);
        return this;
    }

    /** Sends a raw request; {@code headers} are name, value pairs. */
    HttpTester.Response request(String method, String path, String... headers) throws Exception {
        return request(10, method, path, headers);
    }

    /** A GET whose answer may take up to a minute (the test holds the app with a latch meanwhile). */
    HttpTester.Response slowGet(String path, String... headers) throws Exception {
        return request(60, "GET", path, headers);
    }

    private HttpTester.Response request(int timeoutSeconds, String method, String path, String... headers)
            throws Exception {
        HttpTester.Request request = HttpTester.newRequest();
        request.setMethod(method);
        request.setURI(path);
        request.setHeader("Host", "shop.test");
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        boolean head = method.equals("HEAD");
        String raw = connector.getResponse(org.eclipse.jetty.util.BufferUtil.toString(request.generate()), head,
                timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
        return head ? HttpTester.parseHeadResponse(raw) : HttpTester.parseResponse(raw);
    }

    /** POSTs a form body ({@code application/x-www-form-urlencoded}); {@code headers} are name, value pairs. */
    public HttpTester.Response postForm(String path, String body, String... headers) throws Exception {
        HttpTester.Request request = HttpTester.newRequest();
        request.setMethod("POST");
        request.setURI(path);
        request.setHeader("Host", "shop.test");
        request.setHeader("Content-Type", "application/x-www-form-urlencoded");
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        request.setContent(body);
        return HttpTester.parseResponse(connector.getResponse(
                org.eclipse.jetty.util.BufferUtil.toString(request.generate()), 10, java.util.concurrent.TimeUnit.SECONDS));
    }

    /** Sends a request written by hand, for headers too large for the test client's generator. */
    HttpTester.Response raw(String request) throws Exception {
        return HttpTester.parseResponse(connector.getResponse(request));
    }

    /**
     * Sends a request written by hand, as bytes (ISO-8859-1 of {@code request}), and reads the answer as one to a
     * {@code HEAD} if {@code head}; {@code null} if none came within 10 seconds.
     */
    HttpTester.Response raw(String request, boolean head) throws Exception {
        java.nio.ByteBuffer answer = connector.getResponse(java.nio.ByteBuffer.wrap(request.getBytes(
                StandardCharsets.ISO_8859_1)), head, 10, java.util.concurrent.TimeUnit.SECONDS);
        return answer == null ? null : head ? HttpTester.parseHeadResponse(answer) : HttpTester.parseResponse(answer);
    }

    public HttpTester.Response get(String path, String... headers) throws Exception {
        return request("GET", path, headers);
    }

    /** GET paid with an x402 payment header carrying the token, agreeing to pay up to {@code acceptedMicros}. */
    public HttpTester.Response paidGet(String path, String token, long acceptedMicros) throws Exception {
        return get(path, PaymentHeaders.PAYMENT_SIGNATURE, paymentHeader(token, acceptedMicros));
    }

    public static String paymentHeader(String token, long acceptedMicros) {
        return paymentHeader(token, acceptedMicros, "tollgate:test");
    }

    /** A scrip payment header on the x402 network of another broker. */
    public static String paymentHeader(String token, long acceptedMicros, String network) {
        PaymentRequirements accepted = new PaymentRequirements("scrip", network,
                Long.toString(acceptedMicros), "USD", TestBroker.SELLER, 60, Map.of());
        return X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://shop.test/", "", ""),
                accepted, Map.of("token", token), null));
    }

    /** What the ledger says is left on the test broker's scrip {@code jti} of {@code budget}. */
    public long remaining(String jti, long budget) throws Exception {
        return filter.ledger().remaining(new dev.tollgate.gateway.ledger.ScripAccount(TestBroker.ISSUER, jti,
                TestBroker.BUYER, TestBroker.SELLER, budget, "USD", java.time.Instant.now()));
    }

    public String body(HttpTester.Response response) {
        return new String(response.getContentBytes(), StandardCharsets.UTF_8);
    }

    public void stop() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        jwks.close();
    }

    /** Stands in for the seller's app: echoes the payment it was given, and fails on demand. */
    static final class ContentServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws ServletException, IOException {
            String path = request.getServletPath();
            if (path.startsWith("/missing")) {
                response.sendError(404);
                return;
            }
            if (path.equals("/boom")) {
                throw new ServletException("the app failed");
            }
            if (path.equals("/cached")) {
                response.setHeader("Cache-Control", "public, max-age=600, s-maxage=600");
                response.setHeader("Surrogate-Control", "max-age=600");
                response.setHeader("CDN-Cache-Control", "max-age=600");
                response.addHeader("Cloudflare-CDN-Cache-Control", "max-age=600");
                response.setIntHeader("X-Accel-Expires", 600);
                response.setHeader("Vary", "Accept-Encoding");
                response.setHeader("X-Kept", "yes");
            }
            if (path.equals("/partial")) {
                response.getWriter().write("the first half of the content");
                response.flushBuffer();
                throw new IOException("the buyer reset the connection");
            }
            Payment payment = (Payment) request.getAttribute(Payment.REQUEST_ATTRIBUTE);
            if (payment != null) {
                response.setHeader("X-Paid", payment.amountMicros() + " " + payment.remainingMicros() + " "
                        + payment.buyer() + " " + payment.receiptId());
                response.setHeader("X-Paid-Basis", payment.basis().name());
            }
            response.setContentType("text/plain");
            if (!request.getMethod().equals("HEAD")) {
                response.getWriter().write("content of " + path);
            }
        }
    }
}
