package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.GatewayKillChild;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Properties;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A gateway node as a seller runs it: a real Jetty server on a port of its own, the real filter read from its own
 * config file with {@code ledger.store: redis}, its own data folder (ledger file, so its own node id), in front of a
 * small app. Paid over real HTTP.
 */
final class GatewayNode implements AutoCloseable {

    /** What {@code /articles/**} costs ({@link GatewayHarness#RULES}). */
    static final long PRICE = 50_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Path dir;
    private final Server server;
    private final int port;

    private GatewayNode(Path dir, Server server, int port) {
        this.dir = dir;
        this.server = server;
        this.port = port;
    }

    /**
     * The config of a node on {@code redis} trusting the broker at {@code jwks}, with Redis commands' timeout, signing
     * with the cluster's seller key (one beside Redis's files).
     */
    static String config(URI jwks, RedisServer redis) throws IOException {
        return config(jwks, redis, GatewayHarness.RULES);
    }

    /** {@link #config(URI, RedisServer)} with other rules. */
    static String config(URI jwks, RedisServer redis, String rules) throws IOException {
        Path key = SharedSellerKey.at(redis.dir().resolve("seller-key.json")).file();
        return GatewayHarness.config(jwks, rules).replace("  durability: process-crash-safe\n",
                "  durability: process-crash-safe\n" + redisLedger(redis) + "settlement:\n  seller-key-file: " + key
                        + "\n");
    }

    /** The {@code ledger} lines of a node on {@code redis}. */
    static String redisLedger(RedisServer redis) {
        return "  store: redis\n  uri: redis://127.0.0.1:" + redis.port() + "\n  command-timeout: 300ms\n";
    }

    /** Writes {@code config} into {@code dir} and starts the node there (again, if it ran there before). */
    static GatewayNode start(Path dir, String config) throws Exception {
        Files.createDirectories(dir);
        Path file = Files.writeString(dir.resolve("gateway.yaml"), config);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(TollgateFilter.builder().configFile(file).watchConfig(false).build()),
                "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new App()), "/");
        server.setHandler(context);
        server.start();
        return new GatewayNode(dir, server, connector.getLocalPort());
    }

    /** The ledger file of a node that ran in {@code dir}. */
    static Path ledgerFile(Path dir) {
        return dir.resolve("data").resolve("ledger.db");
    }

    /** The node id of a node that ran in {@code dir}: its ledger file's database id (read beside the running node). */
    static String nodeId(Path dir) throws Exception {
        // The driver itself, not DriverManager: a stopped filter deregisters the driver it loaded.
        try (Connection db = new org.sqlite.JDBC().connect("jdbc:sqlite:" + ledgerFile(dir), new Properties());
             ResultSet rs = db.createStatement().executeQuery("SELECT value FROM meta WHERE key = 'db_id'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A node in a child JVM ({@link GatewayKillChild}) with {@code config} in {@code nodeDir}, to kill. */
    static Process startChild(Path nodeDir, String config) throws Exception {
        Files.createDirectories(nodeDir);
        Path file = Files.writeString(nodeDir.resolve("gateway.yaml"), config);
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GatewayKillChild.class.getName(), file.toString())
                .redirectError(nodeDir.resolve("child.err").toFile()).start();
    }

    /** The port a child node listens on, once it started. */
    static int portOf(Process child) throws Exception {
        String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        if (line == null || !line.startsWith("port ")) {
            throw new AssertionError("the child did not start (" + line + "); see its child.err");
        }
        return Integer.parseInt(line.substring(5));
    }

    /** An article paid with {@code payment} at this node. */
    Answer pay(String payment) throws Exception {
        return pay(port, payment);
    }

    /** An article paid with {@code payment} at the node listening on {@code port}. */
    static Answer pay(int port, String payment) throws Exception {
        return pay(port, "/articles/a", payment);
    }

    /** {@code path} paid with {@code payment} at this node. */
    Answer pay(String path, String payment) throws Exception {
        return pay(port, path, payment);
    }

    private static Answer pay(int port, String path, String payment) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(PaymentHeaders.PAYMENT_SIGNATURE, payment).timeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        String receipt = response.statusCode() != 200 ? null : X402Codec.decodeHeader(
                response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElseThrow(),
                SettlementResponse.class).transaction();
        return new Answer(response.statusCode(), receipt, response.body(),
                response.headers().firstValue("Content-Type").orElse(""),
                response.headers().firstValue("Retry-After").orElse(null));
    }

    /** A GET ({@code form} null) or a form POST to this node, with {@code headers} as name, value pairs. */
    HttpResponse<String> send(String path, String form, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        if (form != null) {
            request.header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A node's answer.
     *
     * @param receipt the receipt id of a 200, else {@code null}
     */
    record Answer(int status, String receipt, String body, String contentType, String retryAfter) {

        /** Whether this is an error answer in JSON with {@code code}. */
        boolean isError(int expectedStatus, String code) {
            return status == expectedStatus && contentType.startsWith("application/json")
                    && body.contains("\"error\":\"" + code + "\"");
        }
    }

    /** Stops the server and the filter, which hands back every slice and closes the ledger. */
    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** The seller's app: says it served the article. */
    private static final class App extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().write("an article");
        }
    }
}
