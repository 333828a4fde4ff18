package dev.tollgate.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Tollgate reference broker: buyer accounts, the seller registry, Ed25519 signing keys and scrip issuance,
 * kept in SQLite in a data directory and served over HTTP(S) by embedded Jetty, with browser pages ({@link #payUri()})
 * where a buyer logs in and consents to a budget for a seller.
 *
 * <pre>{@code
 * try (Broker broker = Broker.builder().port(0).dataDir(dir).issuer("https://localhost:8444")
 *         .demoMode(true).build().start()) {
 *     broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", publicKey, List.of("https://news.example")));
 *     URI jwks = broker.jwksUri();
 * }
 * }</pre>
 *
 * <p>{@link Builder#build()} opens the data directory (database, signing keys, pseudonym secret; created on first
 * use) without listening, which is all the administrative operations need; {@link #start()} then serves the HTTP
 * API. Plain HTTP is allowed only on a loopback address; anything else needs a TLS keystore.
 *
 * <p>This class is the public façade: {@code BrokerSettings} holds the validated settings, {@code BrokerServices}
 * the opened data directory and the services on it, {@code BrokerServer} the listening Jetty and
 * {@code ExpirySweeper} the background job; none of them knows this class.
 *
 * <p>Thread-safe. {@link #close()} stops the server and closes the database.
 *
 * @since 0.1
 */
public final class Broker implements AutoCloseable {

    /** The name of a broker whose builder named none. */
    public static final String DEFAULT_NAME = "Tollgate Broker";

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    /** Default of {@link Builder#settlementGrace}. */
    public static final Duration DEFAULT_SETTLEMENT_GRACE = Duration.ofHours(24);

    private final BrokerSettings settings;
    private final BrokerServices services;
    private BrokerServer server;
    private ExpirySweeper sweeper;
    private boolean closed;

    private Broker(BrokerSettings settings, BrokerServices services) {
        this.settings = settings;
        this.services = services;
    }

    /** A builder with no settings; {@link Builder#dataDir} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the HTTP API.
     *
     * @return this broker, now listening
     * @throws IllegalStateException if already started or closed, or if no issuer is set
     * @throws UncheckedIOException if the port cannot be bound or the keystore cannot be read
     */
    public synchronized Broker start() {
        requireState(!closed, "broker is closed");
        requireState(server == null, "broker is already started");
        requireState(settings.issuer() != null, "an issuer must be set to start the HTTP API");
        boolean demo = settings.demo();
        try {
            // A start without demo mode is a start for real money: it claims an undecided database for it.
            DatabaseMode.require(services.database(), settings.dataDir().resolve(Database.FILE), demo,
                    settings.clock());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the mode of the broker database: " + e.getMessage(), e);
        }
        server = BrokerServer.start(settings, BrokerHandler.on(services, demo, settings.clock(), settings.name()));
        if (!settings.sweepInterval().isZero()) {
            sweeper = ExpirySweeper.every(settings.sweepInterval(), services.settlement(), services.idempotency());
        }
        LOG.info("Broker {} listening on {} (demo mode {}, signing key {})", settings.issuer(), baseUri(),
                demo ? "on" : "off", currentKid());
        return this;
    }

    /** The port the API listens on. @throws IllegalStateException if not started */
    public synchronized int port() {
        requireState(server != null, "broker is not started");
        return server.port();
    }

    /** Where the API listens, such as {@code http://127.0.0.1:8444}. @throws IllegalStateException if not started */
    public synchronized URI baseUri() {
        requireState(server != null, "broker is not started");
        return server.baseUri();
    }

    /** The JWKS URL gateways fetch the broker's keys from. @throws IllegalStateException if not started */
    public URI jwksUri() {
        return baseUri().resolve(ApiHandler.JWKS_PATH);
    }

    /**
     * The browser payment page a seller's 402 page links to, such as {@code http://127.0.0.1:8444/pay}; it takes the
     * query parameters of docs/PROTOCOL.md section 10. @throws IllegalStateException if not started
     */
    public URI payUri() {
        return baseUri().resolve(Html.PAY_PATH);
    }

    /** The issuer ({@code iss}) of the broker's scrip, if set. */
    public Optional<String> issuer() {
        return Optional.ofNullable(settings.issuer());
    }

    /** The currency of every account and scrip: an ISO 4217 code such as {@code USD}. */
    public String currency() {
        return settings.currency();
    }

    /** The kid of the key that signs new scrip. */
    public String currentKid() {
        return services.keys().current().kid();
    }

    /**
     * Generates a new signing key that signs all scrip from now on. The previous key stays in the JWKS until every
     * scrip it could have signed has expired (24 hours and 5 minutes), so outstanding scrip stays verifiable.
     *
     * @return the new kid
     * @throws UncheckedIOException if the key file cannot be written
     */
    public String rotateKey() {
        try {
            return services.keys().rotate();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Registers a seller.
     *
     * @throws IllegalArgumentException if a seller with the same id is registered
     * @throws IllegalStateException if the database fails
     */
    public Seller registerSeller(Seller seller) {
        Objects.requireNonNull(seller, "seller cannot be null.");
        try {
            services.sellers().insertSeller(seller);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot register seller '" + seller.id() + "': " + e.getMessage(), e);
        }
        LOG.info("Registered seller {} ({}) with origins {}", seller.id(), seller.name(), seller.origins());
        return seller;
    }

    /** The seller with this id, if registered. */
    public Optional<Seller> seller(String id) {
        try {
            return services.sellers().seller(Objects.requireNonNull(id, "id cannot be null."));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read seller '" + id + "': " + e.getMessage(), e);
        }
    }

    /**
     * Creates a funded demo buyer that can log in to the browser pages (docs/PROTOCOL.md section 10) with
     * {@code username} and a generated password, and use the HTTP API with the returned API key.
     *
     * @param username 3 to 64 ASCII letters, digits, {@code .}, {@code _}, {@code -} or {@code @}; stored lower case
     * @param depositMicros the deposit, 1 to 100000000 micro-units
     * @return the login and the API key, shown this once
     * @throws IllegalStateException if the broker was not built with {@code demoMode(true)}, or the database fails
     * @throws IllegalArgumentException if the username is malformed or taken, or the deposit out of range
     */
    public DemoBuyer createDemoBuyer(String username, long depositMicros) {
        Objects.requireNonNull(username, "username cannot be null.");
        requireState(settings.demo(), "demo buyers exist only in demo mode: build the broker with demoMode(true)");
        try {
            DemoBuyer buyer = services.issuer().createDemoBuyer(username, depositMicros, services.logins());
            LOG.info("Created demo buyer {} ({})", buyer.username(), buyer.account());
            return buyer;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create demo buyer '" + username + "': " + e.getMessage(), e);
        }
    }

    /** The settlement grace period: how long after its expiry a scrip can still be redeemed. */
    public Duration settlementGrace() {
        return settings.settlementGrace();
    }

    /**
     * Expiry returns: every scrip and PayWord certificate whose expiry plus the settlement grace period has passed
     * gets its unredeemed remainder moved from the buyer's reserved amount back to the balance, and the status
     * {@code returned}. A started broker runs this every minute by itself.
     *
     * @return how many scrip and certificates were returned
     * @throws IllegalStateException if the database fails
     */
    public int returnExpiredScrip() {
        try {
            return services.settlement().returnExpired(null);
        } catch (SQLException e) {
            throw new IllegalStateException("expiry returns failed: " + e.getMessage(), e);
        }
    }

    /** Forgets the idempotency keys of {@code POST /v1/scrip} older than 24 hours (the sweep does it every minute). */
    int purgeIdempotencyKeys() throws SQLException {
        return services.idempotency().purgeExpired();
    }

    Accounts accounts() {
        return services.accounts();
    }

    Statements statements() {
        return services.statements();
    }

    KeyRing keys() {
        return services.keys();
    }

    /** Stops the HTTP API (if started) and closes the database. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (sweeper != null) {
            sweeper.close();
        }
        try {
            if (server != null) {
                server.stop();
            }
        } catch (Exception e) {
            LOG.warn("Stopping the broker's HTTP server failed", e);
        } finally {
            try {
                services.database().close();
            } catch (SQLException e) {
                LOG.warn("Closing the broker database failed", e);
            }
            if (settings.keystorePassword() != null) {
                Arrays.fill(settings.keystorePassword(), '\0');
            }
        }
    }

    private static void requireState(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /**
     * Settings of a {@link Broker}. Not thread-safe; {@link #build()} validates everything and fails naming the
     * first bad setting.
     */
    public static final class Builder {

        private int port = 8444;
        private String host = "127.0.0.1";
        private Path dataDir;
        private String issuer;
        private Boolean demoMode;
        private String currency = "USD";
        private Path keystore;
        private char[] keystorePassword;
        private Clock clock = Clock.systemUTC();
        private Duration stopTimeout = Duration.ofSeconds(2);
        private Duration settlementGrace = DEFAULT_SETTLEMENT_GRACE;
        private Duration sweepInterval = Duration.ofMinutes(1);
        private Duration busyTimeout = Database.DEFAULT_BUSY_TIMEOUT;
        private int idempotencyKeysPerAccount = ScripIdempotency.DEFAULT_KEYS_PER_ACCOUNT;
        private String name = DEFAULT_NAME;

        private Builder() {
        }

        /**
         * What buyers see the broker called on its login and consent pages ("Log in to Tollgate Demo Broker"): 1 to 100
         * characters on one line. Default {@value Broker#DEFAULT_NAME}.
         *
         * @since 0.6
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name cannot be null.");
            return this;
        }

        /** The port to listen on, 0 for any free port. Default 8444. */
        public Builder port(int port) {
            BrokerSettings.requireArgument(port >= 0 && port <= 65535, "port must be 0 to 65535, got " + port);
            this.port = port;
            return this;
        }

        /** The address to listen on. Default {@code 127.0.0.1}. Anything but loopback needs {@link #tls}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host cannot be null.");
            return this;
        }

        /** The directory of the database and the keys; created owner-only if missing. Required. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir cannot be null.");
            return this;
        }

        /** The issuer URL put in scrip as {@code iss}; gateways must be configured with the same. */
        public Builder issuer(String issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null.");
            return this;
        }

        /**
         * Whether this is a demo broker: {@code POST /v1/accounts} creates funded buyer accounts for anyone, and
         * {@link Broker#createDemoBuyer} works. The database records which kind it is the first time a broker names
         * a mode: {@code build()} with {@code demoMode(true)} refuses a database that a broker without demo mode has
         * used, {@code demoMode(false)} refuses a demo database. Without this setting {@code build()} opens either
         * kind (for administration: registering sellers, rotating keys) and {@link Broker#start()} starts without
         * demo mode.
         */
        public Builder demoMode(boolean demoMode) {
            this.demoMode = demoMode;
            return this;
        }

        /** The ISO 4217 currency of accounts and scrip. Default {@code USD}. */
        public Builder currency(String currency) {
            this.currency = Objects.requireNonNull(currency, "currency cannot be null.");
            return this;
        }

        /** Serves HTTPS with the key and certificate in a PKCS#12 (or JKS) keystore. */
        public Builder tls(Path keystore, char[] password) {
            this.keystore = Objects.requireNonNull(keystore, "keystore cannot be null.");
            this.keystorePassword = Objects.requireNonNull(password, "password cannot be null.").clone();
            return this;
        }

        /**
         * The clock for timestamps, sessions and scrip lifetimes. Default UTC system clock. For tests and demos that
         * move time forward, such as the demo's browser test past an access window.
         *
         * @since 0.6
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock cannot be null.");
            return this;
        }

        /**
         * How long after a scrip's expiry the seller can still redeem it; then its unredeemed remainder goes back to
         * the buyer. Default 24 hours; at most 30 days.
         */
        public Builder settlementGrace(Duration grace) {
            Objects.requireNonNull(grace, "grace cannot be null.");
            BrokerSettings.requireArgument(!grace.isNegative() && grace.compareTo(Duration.ofDays(30)) <= 0,
                    "settlementGrace must be 0 to 30 days, got " + grace);
            this.settlementGrace = grace;
            return this;
        }

        /** How often a started broker runs expiry returns. Default 1 minute; zero turns the schedule off (tests). */
        Builder sweepInterval(Duration interval) {
            BrokerSettings.requireArgument(!interval.isNegative(), "sweepInterval must not be negative");
            this.sweepInterval = interval;
            return this;
        }

        /**
         * How long a write waits for another connection's lock on the database before it is refused (503).
         * Default 10 s; tests use less.
         */
        Builder busyTimeout(Duration timeout) {
            BrokerSettings.requireArgument(!timeout.isNegative(), "busyTimeout must not be negative");
            this.busyTimeout = timeout;
            return this;
        }

        /** How many idempotency keys of one account are remembered. Default 1000; tests use fewer. */
        Builder idempotencyKeysPerAccount(int keys) {
            BrokerSettings.requireArgument(keys >= 1, "idempotencyKeysPerAccount must be at least 1");
            this.idempotencyKeysPerAccount = keys;
            return this;
        }

        /** How long {@link Broker#close()} lets requests in flight finish. Default 2 s; tests use zero. */
        Builder stopTimeout(Duration stopTimeout) {
            BrokerSettings.requireArgument(!stopTimeout.isNegative(), "stopTimeout must not be negative");
            this.stopTimeout = stopTimeout;
            return this;
        }

        /**
         * Validates the settings and opens the data directory: migrates the database, checks (or records) whether it
         * is a demo database if {@link #demoMode} is set, and loads (or, on first use, generates) the signing key and
         * the pseudonym secret. Does not listen; see {@link Broker#start()}.
         *
         * @throws IllegalArgumentException naming the first bad setting
         * @throws IllegalStateException if the data directory, database or keys cannot be opened, or the database is
         *         of the other kind than {@link #demoMode} asks for
         */
        public Broker build() {
            BrokerSettings settings = new BrokerSettings(port, host, dataDir, issuer, demoMode, currency, keystore,
                    keystorePassword, clock, stopTimeout, settlementGrace, sweepInterval, busyTimeout,
                    idempotencyKeysPerAccount, name);
            try {
                return new Broker(settings, BrokerServices.open(settings));
            } catch (IOException | SQLException e) {
                throw new IllegalStateException("cannot open the broker data directory " + dataDir + ": "
                        + e.getMessage(), e);
            }
        }
    }
}
