package dev.tollgate.gateway;

import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.config.ConfigWatcher;
import dev.tollgate.gateway.config.Placeholders;
import dev.tollgate.gateway.config.RestartOnly;
import dev.tollgate.gateway.http.RequestPaths;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.LedgerView;
import dev.tollgate.gateway.metrics.GatewayMetrics;
import dev.tollgate.gateway.metrics.LedgerWrites;
import dev.tollgate.gateway.metrics.RequestMeters;
import dev.tollgate.gateway.payment.Credential;
import dev.tollgate.gateway.route.PricedRequest;
import dev.tollgate.gateway.route.Snapshot;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Tollgate gateway: a servlet filter that lets requests for priced content through only once they are paid
 * with broker-signed scrip, and answers {@code 402 Payment Required} with an x402 offer otherwise.
 *
 * <p>In {@code web.xml}, with the init-param {@value #CONFIG_INIT_PARAM} naming the YAML config file:
 * <pre>{@code
 * <filter>
 *   <filter-name>tollgate</filter-name>
 *   <filter-class>dev.tollgate.gateway.TollgateFilter</filter-class>
 *   <init-param><param-name>config</param-name><param-value>/etc/tollgate/gateway.yaml</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>tollgate</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * }</pre>
 * In code, {@link #builder()} configures the same and more (a shared {@link Ledger}, a clock).
 *
 * <p>A paid request reaches the app with the request attribute {@link Payment#REQUEST_ATTRIBUTE}. Browsers pay
 * through the broker's pay page, which returns the buyer to {@code POST /.tollgate/callback}: the filter answers
 * that path itself, so map it to {@code /*} (see {@code docs/PROTOCOL.md}, "The gateway's callback"). Thread-safe.
 *
 * @since 0.1
 */
public final class TollgateFilter implements Filter {

    /** Init-param naming the config file; {@code ${name}} is replaced by a system property or variable. */
    public static final String CONFIG_INIT_PARAM = "config";
    /**
     * The cookie the browser flow keeps the scrip in. {@code __Host-}: browsers keep it only if this host set it over
     * HTTPS, with {@code Path=/} and no domain, so a sibling subdomain cannot plant scrip of its own.
     */
    public static final String SCRIP_COOKIE = "__Host-tollgate_scrip";
    /** The path, within the filter's context, where the broker returns a browser buyer with scrip. */
    public static final String CALLBACK_PATH = BrowserFlow.CALLBACK_PATH;
    /**
     * Init-param naming the path, within the filter's context, where the filter answers {@link #health()} as JSON
     * ({@code 200} UP, {@code 503} DOWN); unset, the default, answers none.
     *
     * @since 0.6
     */
    public static final String HEALTH_PATH_INIT_PARAM = "health-path";
    /** Servlet-context attribute under which the filter makes itself available to the seller's app. */
    public static final String CONTEXT_ATTRIBUTE = "dev.tollgate.gateway";

    private static final long DEFAULT_CACHE_SIZE = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(TollgateFilter.class);

    private final Builder settings;
    private volatile Snapshot snapshot;
    private volatile String lastReloadProblem;
    /** What the started filter runs on; package-private for tests (the writable ledger, the PayWord scheme, ...). */
    volatile GatewayParts parts;
    private ConfigWatcher watcher;
    private GatewayMetrics metrics;
    /** Whether the ledger took the last charge: the health check's, kept across reloads. */
    private final LedgerWrites ledgerWrites;
    private HealthEndpoint healthEndpoint;

    /** For containers, which configure the filter through {@link #init}. */
    public TollgateFilter() {
        this(new Builder());
    }

    private TollgateFilter(Builder settings) {
        this.settings = settings;
        this.ledgerWrites = new LedgerWrites(settings.clock);
    }

    /** Configures a filter in code, for containers without {@code web.xml}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String name = filterConfig == null ? "tollgate" : filterConfig.getFilterName();
        Path file = settings.configFile;
        if (file == null && settings.config == null) {
            String param = filterConfig == null ? null : filterConfig.getInitParameter(CONFIG_INIT_PARAM);
            if (param == null || param.isBlank()) {
                throw new ServletException("Filter '" + name + "': init-param '" + CONFIG_INIT_PARAM
                        + "' is missing; set it to the path of the gateway's YAML config file");
            }
            try {
                file = Path.of(Placeholders.resolve(param.trim()));
            } catch (IllegalArgumentException e) {
                throw new ServletException("Filter '" + name + "': init-param '" + CONFIG_INIT_PARAM + "': "
                        + e.getMessage());
            }
        }
        healthEndpoint = HealthEndpoint.of(name, settings.healthPath, filterConfig);
        GatewayConfig config = settings.config;
        try {
            config = config != null ? config : GatewayConfig.load(file);
        } catch (InvalidConfigException e) {
            throw new ServletException("Filter '" + name + "' cannot start: " + e.getMessage(), e);
        }
        try {
            parts = GatewayParts.open(config, settings.ledger, settings.clock, settings.cacheSize);
            metrics = GatewayMetrics.create(settings.meterRegistry, config.currency().getCurrencyCode(),
                    new PartsReadings(parts));
            metrics.brokers(config);
            snapshot = new Snapshot(config, parts.browser, metrics.requests(config), ledgerWrites);
            if (settings.watch && file != null) {
                watcher = new ConfigWatcher(file, this::reload);
            }
        } catch (IOException | RuntimeException e) {
            destroy();
            throw new ServletException("Filter '" + name + "' cannot start: " + e.getMessage(), e);
        }
        if (filterConfig != null) {
            filterConfig.getServletContext().setAttribute(CONTEXT_ATTRIBUTE, this);
        }
        LOG.info("Tollgate filter '{}' started for seller '{}' with {} price rules from {}", name,
                config.sellerId(), config.rules().size(), config.source());
    }

    /** The config in force now. */
    public GatewayConfig config() {
        return snapshot.config;
    }

    /** Why the last change to the config file was refused, or empty if it was applied. */
    public Optional<String> lastReloadProblem() {
        return Optional.ofNullable(lastReloadProblem);
    }

    /**
     * What the ledger charges are recorded in reports: budgets left, settlement, sales. Read-only: the app cannot
     * charge, refund or mark anything settled through it.
     *
     * @since 0.4 (a {@link Ledger} before)
     */
    public LedgerView ledger() {
        return started().ledgerView;
    }

    /** The ledger itself, writable: for tests in this package. */
    Ledger recordingLedger() {
        return started().ledger;
    }

    /**
     * The seller's Ed25519 public key as a JWK ({@code {"kty":"OKP","crv":"Ed25519","x":"..."}}), to register at every
     * broker: it verifies the redemption batches the gateway signs. Generated into {@code <data-dir>/seller-key.json}
     * at first start. Available once {@link #init} has run.
     */
    public String sellerPublicJwk() {
        return started().settlements.sellerPublicJwk();
    }

    /**
     * Where redeeming the charges at the brokers stands: with several, the amounts summed, the latest success of any
     * and the most failures in a row of any, with its error. Reads every unsettled scrip from the ledger: for a
     * dashboard or health check, not per request.
     */
    public SettlementStatus settlementStatus() throws LedgerUnavailableException {
        return started().settlements.status();
    }

    /**
     * Where redeeming the charges stands with each broker: those the config accepts, in its order, then those removed
     * from it whose charges are still being settled. Reads every unsettled scrip from the ledger: for a dashboard or
     * health check, not per request.
     *
     * @since 0.5
     */
    public List<BrokerSettlement> settlementByBroker() throws LedgerUnavailableException {
        return started().settlements.statusByBroker();
    }

    /**
     * What was sold, for the seller's dashboard: revenue per resource and in total, the {@code recentLimit} latest
     * charges, and the settled and unsettled totals. Reads every charge in the ledger: not for the request path.
     *
     * @param recentLimit how many of the latest charges to include, 0 to 1000
     * @throws LedgerUnavailableException if the ledger cannot be read (or keeps no sales records)
     */
    public SalesReport report(int recentLimit) throws LedgerUnavailableException {
        GatewayParts p = started();
        return SalesReport.of(snapshot.currency, p.ledger.sales(recentLimit), p.settlements.brokers());
    }

    /**
     * Whether this gateway can take payments now: each broker's keys fresh (fetched within its {@code max-stale}), the
     * ledger taking charges, each broker's settlement backlog younger than {@code settlement.max-backlog-age}, and the
     * last change of the config file applied. Reads only what the filter keeps in memory: cheap enough for a load
     * balancer's probe.
     *
     * @throws IllegalStateException if the filter has not been started ({@link #init})
     * @since 0.6
     */
    public Health health() {
        GatewayParts p = started();
        Snapshot current = snapshot;
        if (current == null) {
            throw new IllegalStateException("the filter has not been started (init)");
        }
        return HealthChecks.of(p, current.config, ledgerWrites, lastReloadProblem);
    }

    /**
     * What {@code mode: shadow} served free since the filter started: what each rule would have been paid and how
     * many requests would have been refused, per error code. Empty while the gateway has run live only.
     *
     * @since 0.6
     */
    public ShadowReport shadowReport() {
        return started().shadow.report(snapshot.currency);
    }

    private GatewayParts started() {
        GatewayParts p = parts;
        if (p == null) {
            throw new IllegalStateException("the filter has not been started (init)");
        }
        return p;
    }

    /** Re-reads the config file now; the watcher calls this on every change. */
    void reload(Path file) {
        try {
            GatewayConfig next = GatewayConfig.load(file);
            String restart = RestartOnly.changes(snapshot.config, next);
            if (restart != null) {
                throw new InvalidConfigException(file.toString(), java.util.List.of(file + ": " + restart
                        + " cannot change while the gateway runs; restart to apply it"));
            }
            GatewayParts p = started();
            p.brokersReloaded(next); // brokers added are trusted and settled with before their offers are listed
            metrics.brokers(next);
            snapshot = new Snapshot(next, p.browser, metrics.requests(next), ledgerWrites);
            lastReloadProblem = null;
            metrics.reloaded(true);
            LOG.info("Reloaded {}: {} price rules", file, next.rules().size());
        } catch (InvalidConfigException e) {
            lastReloadProblem = e.getMessage();
            metrics.reloaded(false);
            LOG.error("Kept the previous config: {}", e.getMessage());
        } catch (RuntimeException e) {
            lastReloadProblem = file + ": could not be read: " + e;
            metrics.reloaded(false);
            LOG.error("Kept the previous config: {} could not be read", file, e);
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)
                || req.getDispatcherType() != DispatcherType.REQUEST) {
            // A forward, include, error or async dispatch belongs to a request this filter has already decided
            // (charged or not): deciding it again would charge one request twice, whatever the filter mapping says.
            chain.doFilter(req, res);
            return;
        }
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (healthEndpoint != null && healthEndpoint.answers(request, response, this::health)) {
            return;
        }
        // One way through the stages; each answers or passes the request itself when it is done with it.
        GatewayParts stages = parts;
        Snapshot current = snapshot;
        PricedRequest priced = stages.router.route(request, response, chain, current);
        if (priced == null) {
            current.meters.answered(request, RequestMeters.NO_SCHEME); // a price_unavailable 503 counts as refused
            return;
        }
        if (stages.freeReads.served(request, response, priced.rule(), priced.path(),
                priced.current().config.sellerId(), chain)) {
            return;
        }
        if (priced.current().config.shadow()) {
            stages.shadow.serve(priced, chain);
            return;
        }
        RequestMeters meters = priced.current().meters;
        Credential paid = stages.payments.read(priced);
        if (paid == null) {
            meters.answered(request, RequestMeters.NO_SCHEME);
            return;
        }
        try {
            stages.schemes.of(paid).serve(priced, paid, chain); // what the app throws passes up to the container
        } finally {
            meters.answered(request, paid.scheme());
        }
    }

    /** {@link RequestPaths#pathOf}, for tests. */
    static String pathOf(HttpServletRequest request) {
        return RequestPaths.pathOf(request);
    }

    /** {@link RequestPaths#upperCase}, for tests. */
    static String upperCase(String method) {
        return RequestPaths.upperCase(method);
    }

    @Override
    public void destroy() {
        if (watcher != null) {
            watcher.close();
        }
        if (metrics != null) {
            metrics.close(); // its gauges read the parts
        }
        GatewayParts p = parts;
        if (p != null) {
            p.close();
        }
    }

    /**
     * Settings for a filter built in code. Not thread-safe; the built filter is.
     *
     * @since 0.1
     */
    public static final class Builder {
        private Path configFile;
        private GatewayConfig config;
        private Ledger ledger;
        private Clock clock = Clock.systemUTC();
        private long cacheSize = DEFAULT_CACHE_SIZE;
        private boolean watch = true;
        /** A Micrometer {@code MeterRegistry}, kept as an Object: this class loads without Micrometer. */
        private Object meterRegistry;
        private String healthPath;

        private Builder() {
        }

        /**
         * The registry the filter's meters go to (README.md, "Monitoring"). Without one, a filter counts into
         * Micrometer's {@code Metrics.globalRegistry} if Micrometer is on the class path, and into nothing otherwise.
         *
         * @since 0.6
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = java.util.Objects.requireNonNull(registry, "registry cannot be null.");
            return this;
        }

        /**
         * Where, within the filter's context, the filter answers {@link TollgateFilter#health()} as JSON, like
         * {@code /tollgate/health}; the init-param {@value TollgateFilter#HEALTH_PATH_INIT_PARAM} in {@code web.xml}.
         * Unset, the default, answers none.
         *
         * @since 0.6
         */
        public Builder healthPath(String path) {
            java.util.Objects.requireNonNull(path, "path cannot be null.");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("the health path must start with /: " + path);
            }
            this.healthPath = path;
            return this;
        }

        /** The YAML config file; this or {@link #config} is required. */
        public Builder configFile(Path file) {
            this.configFile = java.util.Objects.requireNonNull(file, "file cannot be null.");
            return this;
        }

        /**
         * A config validated already, such as {@link GatewayConfig#of} made from a framework's properties, instead of
         * a {@link #configFile}. It is kept as it is: there is no file to watch.
         *
         * @since 0.6
         */
        public Builder config(GatewayConfig config) {
            this.config = java.util.Objects.requireNonNull(config, "config cannot be null.");
            return this;
        }

        /** A ledger to use instead of the embedded one named in the config. The caller closes it. */
        public Builder ledger(Ledger ledger) {
            this.ledger = java.util.Objects.requireNonNull(ledger, "ledger cannot be null.");
            return this;
        }

        /** The clock that expiry is checked against. */
        public Builder clock(Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "clock cannot be null.");
            return this;
        }

        /** How many verified credentials are kept; default 100,000. */
        public Builder credentialCacheSize(long size) {
            if (size < 0) {
                throw new IllegalArgumentException("credential cache size must not be negative: " + size);
            }
            this.cacheSize = size;
            return this;
        }

        /** Whether changes to the config file are applied while running; default true. */
        public Builder watchConfig(boolean watch) {
            this.watch = watch;
            return this;
        }

        /** A filter to register with a container, which then calls {@link TollgateFilter#init}. */
        public TollgateFilter build() {
            if ((configFile == null) == (config == null)) {
                throw new IllegalStateException("one of configFile and config is required.");
            }
            Builder copy = new Builder();
            copy.configFile = configFile;
            copy.config = config;
            copy.ledger = ledger;
            copy.clock = clock;
            copy.cacheSize = cacheSize;
            copy.watch = watch;
            copy.meterRegistry = meterRegistry;
            copy.healthPath = healthPath;
            return new TollgateFilter(copy);
        }
    }
}
