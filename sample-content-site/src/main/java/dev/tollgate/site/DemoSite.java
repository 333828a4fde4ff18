package dev.tollgate.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.broker.Broker;
import dev.tollgate.broker.Seller;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.TollgateFilter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.SecuredRedirectHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole demo in one process: two reference brokers (two independent brokers, each with its own accounts, keys
 * and books, as two payment networks are) and the site, all on HTTPS with the generated certificate. {@link #start}
 * brings them up in order (brokers, site, seller registration at each, a demo buyer at each); {@link #close} stops
 * the site first, so the gateway's final settlement batches still reach the brokers. With {@code --redis} the site is
 * one node of a cluster ({@link ClusterNode}): node 1 runs the brokers, other nodes use node 1's.
 */
final class DemoSite implements AutoCloseable {

    /** The demo buyer's deposit: 20.00. */
    static final long DEMO_DEPOSIT_MICROS = 20_000_000;
    static final String DEMO_BUYER_FILE = "demo-buyer.json";
    static final String SECOND_BUYER_FILE = "demo-buyer-second.json";
    static final String DEMO_USERNAME = "demo";
    private static final Logger LOG = LoggerFactory.getLogger(DemoSite.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final Tls tls;
    private final Broker broker; // null on a cluster node other than 1, as secondBroker
    private final Broker secondBroker;
    private final Server server;
    private final TollgateFilter gateway;
    private final AdminPassword.Loaded admin;
    private final DemoBuyer buyer;
    private final DemoBuyer secondBuyer;

    /** The funded buyer the demo prints: its browser login, its broker account and API key (for programs). */
    record DemoBuyer(String username, String password, String account, String apiKey) {
    }

    private DemoSite(Options options, Tls tls, Broker broker, Broker secondBroker, Server server,
                     TollgateFilter gateway, AdminPassword.Loaded admin, DemoBuyer buyer, DemoBuyer secondBuyer) {
        this.options = options;
        this.tls = tls;
        this.broker = broker;
        this.secondBroker = secondBroker;
        this.server = server;
        this.gateway = gateway;
        this.admin = admin;
        this.buyer = buyer;
        this.secondBuyer = secondBuyer;
    }

    static DemoSite start(Options options) throws Exception {
        return start(options, Clock.systemUTC());
    }

    /**
     * The demo with its brokers and gateway on {@code clock}: for tests that move time forward (past an access
     * window, a scrip's lifetime) for the whole demo at once, so scrip the brokers issue stays valid at the gateway.
     */
    static DemoSite start(Options options, Clock clock) throws Exception {
        Path data = options.data().toAbsolutePath();
        OwnerOnlyFiles.createDirectory(data);
        Tls tls = Tls.open(data.resolve("tls"));
        Path gatewayData = options.cluster() == null ? data : options.cluster().prepare(data);
        // The config's placeholders read these: ports, data folder, and the PEM its broker.trust-file names.
        publishPlaceholders(options, gatewayData, tls);

        Broker broker = null;
        Broker secondBroker = null;
        Server server = null;
        try {
            if (options.runsBrokers()) {
                broker = startBroker(options.brokerPort(), data.resolve("broker"), tls, "Tollgate Demo Broker", clock);
                secondBroker = startBroker(options.secondBrokerPort(), data.resolve("second-broker"), tls,
                        "Second Demo Broker", clock);
            }
            AdminPassword.Loaded admin = AdminPassword.load(data);
            server = SiteServer.create(options, tls, admin.password(), clock);
            server.start();
            TollgateFilter gateway = gateway(server);
            GatewayConfig config = gateway.config();
            // A cluster node other than 1 sends buyers back through node 1's site: the cluster's one origin.
            String origin = "https://localhost:" + options.port();
            for (Broker running : broker == null ? List.<Broker>of() : List.of(broker, secondBroker)) {
                String issuer = running.issuer().orElseThrow();
                if (config.brokers().stream().noneMatch(b -> b.issuer().equals(issuer))) {
                    LOG.warn("{} names no broker with issuer {}, which runs in this demo: its scrip will be refused",
                            config.source(), issuer);
                }
                register(running, config, gateway.sellerPublicJwk(), origin);
            }
            DemoBuyer buyer = demoBuyer(data.resolve(DEMO_BUYER_FILE), broker);
            DemoBuyer secondBuyer = demoBuyer(data.resolve(SECOND_BUYER_FILE), secondBroker);
            return new DemoSite(options, tls, broker, secondBroker, server, gateway, admin, buyer, secondBuyer);
        } catch (Exception | Error e) {
            if (server != null) {
                try {
                    server.stop();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (secondBroker != null) {
                secondBroker.close();
            }
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    /**
     * A demo-mode reference broker called {@code name} (as config/gateway.yaml calls it) on {@code port} with issuer
     * {@code https://localhost:<port>}.
     */
    private static Broker startBroker(int port, Path data, Tls tls, String name, Clock clock) {
        return Broker.builder().port(port).host("127.0.0.1").dataDir(data).issuer("https://localhost:" + port)
                .name(name).demoMode(true).tls(tls.keystore(), tls.password()).clock(clock).build().start();
    }

    /**
     * System properties the config's {@code ${...}} placeholders and the filter's init-param read: the documented
     * config follows the flags without being edited.
     */
    private static void publishPlaceholders(Options options, Path data, Tls tls) {
        if (options.cluster() == null) {
            ClusterNode.clearPlaceholders();
        }
        System.setProperty("tollgate.config", options.config().toString());
        System.setProperty("tollgate.port", Integer.toString(options.port()));
        System.setProperty("tollgate.broker-port", Integer.toString(options.brokerPort()));
        System.setProperty("tollgate.second-broker-port", Integer.toString(options.secondBrokerPort()));
        System.setProperty("tollgate.data", data.toString());
        System.setProperty("tollgate.trust-file", tls.certificatePem().toString());
        if (options.settleInterval() != null) {
            System.setProperty("tollgate.settle-interval", options.settleInterval().toSeconds() + "s");
        }
    }

    private static TollgateFilter gateway(Server server) {
        WebAppContext webapp = (WebAppContext) ((SecuredRedirectHandler) server.getHandler()).getHandler();
        Object filter = webapp.getServletContext().getAttribute(TollgateFilter.CONTEXT_ATTRIBUTE);
        if (!(filter instanceof TollgateFilter f)) {
            throw new IllegalStateException("the web app started without the Tollgate filter (check web.xml)");
        }
        return f;
    }

    private static void register(Broker broker, GatewayConfig config, String publicJwk, String origin) {
        Optional<Seller> known = broker.seller(config.sellerId());
        Seller wanted = Seller.of(config.sellerId(), config.sellerName(), publicJwk, List.of(origin));
        if (known.isEmpty()) {
            broker.registerSeller(wanted);
        } else if (!known.get().equals(wanted)) {
            LOG.warn("Seller {} is already registered at the broker {} with other settings (key or origin); "
                    + "delete its folder under <data> to start afresh", config.sellerId(), broker.baseUri());
        }
    }

    /**
     * The demo buyer at {@code broker} of an earlier start, or a new funded one. Its login is kept in the owner-only
     * {@code file} ({@value #DEMO_BUYER_FILE}, {@value #SECOND_BUYER_FILE}) so that every start can print it: it is a
     * demo account on a demo broker. A cluster node other than 1 ({@code broker} null) reads node 1's.
     */
    private static DemoBuyer demoBuyer(Path file, Broker broker) throws IOException {
        if (broker == null && !Files.exists(file)) {
            throw new IllegalStateException(file + " is missing: start node 1 first, with the same --data");
        }
        if (Files.exists(file)) {
            JsonNode stored = JSON.readTree(OwnerOnlyFiles.read(file));
            return new DemoBuyer(stored.path("username").asText(), stored.path("password").asText(),
                    stored.path("account").asText(), stored.path("apiKey").asText());
        }
        dev.tollgate.broker.DemoBuyer created = broker.createDemoBuyer(DEMO_USERNAME, DEMO_DEPOSIT_MICROS);
        DemoBuyer buyer = new DemoBuyer(created.username(), created.password(), created.account(),
                created.apiKey());
        OwnerOnlyFiles.write(file, JSON.writeValueAsString(buyer).getBytes(StandardCharsets.UTF_8));
        return buyer;
    }

    URI siteUri() {
        return URI.create("https://localhost:" + options.sitePort() + "/");
    }

    /** This site's options. */
    Options options() {
        return options;
    }

    URI brokerUri() {
        return URI.create("https://localhost:" + options.brokerPort() + "/");
    }

    /** The second broker's base URI. */
    URI secondBrokerUri() {
        return URI.create("https://localhost:" + options.secondBrokerPort() + "/");
    }

    /** The plain-HTTP address that redirects to the site, or empty if its port was taken at start. */
    Optional<URI> httpUri() {
        return SiteServer.redirectsPlainHttp(server) ? Optional.of(URI.create("http://localhost:"
                + options.siteHttpPort() + "/")) : Optional.empty();
    }

    Tls tls() {
        return tls;
    }

    TollgateFilter gateway() {
        return gateway;
    }

    AdminPassword.Loaded admin() {
        return admin;
    }

    DemoBuyer buyer() {
        return buyer;
    }

    /** The funded demo buyer at the second broker. */
    DemoBuyer secondBuyer() {
        return secondBuyer;
    }

    /** Blocks until the site is stopped. */
    void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("The site did not stop cleanly", e);
        }
        if (secondBroker != null) {
            secondBroker.close();
            broker.close();
        }
    }
}
