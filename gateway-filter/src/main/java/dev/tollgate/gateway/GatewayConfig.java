package dev.tollgate.gateway;

import dev.tollgate.gateway.config.ConfigLoader;
import dev.tollgate.gateway.ledger.SharedLedgerSettings;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One immutable, fully validated snapshot of a gateway's configuration, as read from a YAML file (see
 * {@code docs/CONFIG.md}). A reload produces a new snapshot that replaces the old one atomically. Thread-safe.
 *
 * @since 0.1
 */
public final class GatewayConfig {

    /** How durable an acknowledged charge is in the embedded ledger. */
    public enum Durability {
        /** Every acknowledged charge survives a power cut ({@code synchronous=FULL}, group commit). */
        POWER_CUT_SAFE,
        /** Every acknowledged charge survives a killed process, not a power cut ({@code synchronous=NORMAL}). */
        PROCESS_CRASH_SAFE
    }

    /**
     * A broker that issues scrip this seller accepts: one entry of {@code brokers:}, or the {@code broker:} section.
     *
     * @param id short id used in the x402 network name {@code tollgate:<id>}; no two brokers of a config share one
     * @param name shown to buyers ("Pay with ...")
     * @param issuer the {@code iss} every scrip of this broker carries; no two brokers of a config share one
     * @param jwksUri where the broker's public keys are published
     * @param tokenEndpoint where a buyer gets scrip; named in the 402 offer
     * @param keyRefresh how often keys are refreshed at most (the broker's max-age may shorten it)
     * @param unknownKidRefetch the least time between two fetches triggered by a scrip with an unknown key id
     * @param maxStale how long cached keys keep serving while the broker is unreachable
     * @param clockSkew tolerance on {@code exp}, {@code nbf} and {@code iat}
     * @param payUri the broker's page where a person pays ({@code broker.pay-url}, default {@code <issuer>/pay}):
     *               the 402 page's "Pay with" link
     * @param trustFile a PEM file of the CA certificates trusted for HTTPS to the broker instead of the JDK's
     *                  defaults ({@code broker.trust-file}); empty for the JDK's defaults
     * @param redemptionUri where batches of claims on this broker's scrip are POSTed ({@code broker.redemption-url})
     * @param cancelUri where scrip of this broker that the gateway will never charge is cancelled
     *                  ({@code broker.cancel-url})
     * @param chargeUri where online charges on this broker's scrip are POSTed ({@code broker.charge-url})
     */
    public record Broker(String id, String name, String issuer, URI jwksUri, URI tokenEndpoint, Duration keyRefresh,
                         Duration unknownKidRefetch, Duration maxStale, Duration clockSkew, URI payUri,
                         Optional<Path> trustFile, URI redemptionUri, URI cancelUri, URI chargeUri) {

        /** The x402 network buyers of this broker pay on: {@code tollgate:<id>}. */
        public String network() {
            return dev.tollgate.protocol.Scrip.network(id);
        }
    }

    /**
     * How charges are redeemed at the brokers (see {@code docs/PROTOCOL.md} section 6); where is each
     * {@link Broker}'s.
     *
     * @param interval how often a batch is sent at most, unless {@code batchSize} claims are waiting
     * @param batchSize the most claims in one batch
     * @param maxBackoff the longest wait between two attempts while the broker is unreachable or refuses batches
     * @param refundWindow how long a forwarded request's charge may still be refunded when its app fails before
     *     content is sent; the charge is final, and claimed, after it ({@code settlement.refund-window})
     * @param sellerKeyFile the seller key provisioned to every node of a cluster ({@code settlement.seller-key-file});
     *     empty: the key generated into the data dir
     * @param maxBacklogAge how long the oldest unsettled charge may wait before the health check reports settlement
     *     DOWN ({@code settlement.max-backlog-age}; since 0.6)
     */
    public record Settlement(Duration interval, int batchSize, Duration maxBackoff, Duration refundWindow,
                             Optional<Path> sellerKeyFile, Duration maxBacklogAge) {

        /** {@code settlement.refund-window} when the config does not set it. */
        public static final Duration DEFAULT_REFUND_WINDOW = Duration.ofSeconds(60);
        /** {@code settlement.max-backlog-age} when the config does not set it. */
        public static final Duration DEFAULT_MAX_BACKLOG_AGE = Duration.ofHours(1);

        public Settlement {
            Objects.requireNonNull(sellerKeyFile, "sellerKeyFile cannot be null.");
            Objects.requireNonNull(maxBacklogAge, "maxBacklogAge cannot be null.");
        }

        /** Settlement with the default {@link #DEFAULT_MAX_BACKLOG_AGE}. */
        public Settlement(Duration interval, int batchSize, Duration maxBackoff, Duration refundWindow,
                          Optional<Path> sellerKeyFile) {
            this(interval, batchSize, maxBackoff, refundWindow, sellerKeyFile, DEFAULT_MAX_BACKLOG_AGE);
        }

        /** Settlement with the key generated into the data dir. */
        public Settlement(Duration interval, int batchSize, Duration maxBackoff, Duration refundWindow) {
            this(interval, batchSize, maxBackoff, refundWindow, Optional.empty());
        }
    }

    /**
     * How online charges are confirmed at the brokers (see {@code docs/PROTOCOL.md} section 7); where is each
     * {@link Broker}'s.
     *
     * @param timeout how long the broker may take to answer, connection included ({@code online-timeout})
     * @param onlineAbove per-click rules priced at or above this are online ({@code online-above}); empty if unset
     */
    public record Online(Duration timeout, Optional<dev.tollgate.protocol.Money> onlineAbove) {
    }

    /**
     * Limits on PayWord chains (see {@code docs/PROTOCOL.md} section 8).
     *
     * @param maxChainLength the longest chain ({@code n}) a commitment may declare, 1 to 10,000,000
     * @param maxStep the most units one payment may move a chain's head, 1 to {@code maxChainLength}: bounds the
     *                hashing one request can cost the gateway
     */
    public record PayWord(int maxChainLength, int maxStep) {

        /** The limits when the config has no {@code payword} section. */
        public static final PayWord DEFAULTS = new PayWord(100_000, 1_000);
        /** The largest {@code max-chain-length} the config accepts. */
        public static final int MAX_CHAIN_LENGTH = 10_000_000;

        public PayWord {
            if (maxChainLength < 1 || maxChainLength > MAX_CHAIN_LENGTH) {
                throw new IllegalArgumentException("maxChainLength must be 1 to " + MAX_CHAIN_LENGTH);
            }
            if (maxStep < 1 || maxStep > maxChainLength) {
                throw new IllegalArgumentException("maxStep must be 1 to maxChainLength");
            }
        }
    }

    /**
     * The limit on payments that fail verification, per client address (see {@code docs/CONFIG.md}): each address
     * has a bucket of {@code failureBurst} failures, refilled at {@code failuresPerMinute}; an address whose bucket is
     * empty gets {@code 429} before any signature is checked for it.
     *
     * @param failureBurst failures an address may have at once, 1 to 10,000
     * @param failuresPerMinute how fast an address's failures are forgiven, 1 to 60,000 a minute
     * @param clients the most addresses tracked at once (least recently used forgotten first), 1,000 to 10,000,000
     * @param addressHeader the request header a trusted reverse proxy puts the client's address in (its last value
     *                      counts); empty to take the connection's remote address
     */
    public record ClientLimits(int failureBurst, int failuresPerMinute, int clients, Optional<String> addressHeader) {

        /** The limits when the config sets none. */
        public static final ClientLimits DEFAULTS = new ClientLimits(20, 60, 100_000, Optional.empty());

        public ClientLimits {
            if (failureBurst < 1 || failureBurst > 10_000 || failuresPerMinute < 1 || failuresPerMinute > 60_000
                    || clients < 1_000 || clients > 10_000_000) {
                throw new IllegalArgumentException("client limits out of range");
            }
            Objects.requireNonNull(addressHeader, "addressHeader cannot be null.");
        }
    }

    private final Path source;
    private final String sellerId;
    private final String sellerName;
    private final Optional<URI> sellerOrigin;
    private final List<Broker> brokers;
    private final Currency currency;
    private final Path dataDir;
    private final Path ledgerFile;
    private final Durability durability;
    private final SqliteLedger.Limits ledgerLimits;
    private final Optional<SharedLedgerSettings> sharedLedger;
    private final int maxTimeoutSeconds;
    private final Settlement settlement;
    private final Online online;
    private final PayWord payword;
    private final List<PriceRule> rules;
    private final ClientLimits clientLimits;
    private final boolean shadow;

    /**
     * Made by the config reader (package {@code config}), which validates every value first; obtain a config through
     * {@link #load(Path)}. One built here is not validated, and no filter runs it: a filter reads its config file.
     */
    public GatewayConfig(Path source, String sellerId, String sellerName, Optional<URI> sellerOrigin,
                         List<Broker> brokers, Currency currency, Path dataDir, Path ledgerFile, Durability durability,
                         SqliteLedger.Limits ledgerLimits, Optional<SharedLedgerSettings> sharedLedger,
                         int maxTimeoutSeconds, Settlement settlement, Online online,
                         PayWord payword, List<PriceRule> rules, ClientLimits clientLimits) {
        this(source, sellerId, sellerName, sellerOrigin, brokers, currency, dataDir, ledgerFile, durability,
                ledgerLimits, sharedLedger, maxTimeoutSeconds, settlement, online, payword, rules, clientLimits, false);
    }

    /**
     * As above, in {@code mode: shadow} when {@code shadow}.
     *
     * @since 0.6
     */
    public GatewayConfig(Path source, String sellerId, String sellerName, Optional<URI> sellerOrigin,
                         List<Broker> brokers, Currency currency, Path dataDir, Path ledgerFile, Durability durability,
                         SqliteLedger.Limits ledgerLimits, Optional<SharedLedgerSettings> sharedLedger,
                         int maxTimeoutSeconds, Settlement settlement, Online online,
                         PayWord payword, List<PriceRule> rules, ClientLimits clientLimits, boolean shadow) {
        this.shadow = shadow;
        this.source = source;
        this.sellerId = Objects.requireNonNull(sellerId);
        this.sellerName = Objects.requireNonNull(sellerName);
        this.sellerOrigin = Objects.requireNonNull(sellerOrigin);
        this.brokers = List.copyOf(brokers);
        if (this.brokers.isEmpty()) {
            throw new IllegalArgumentException("a config has at least one broker");
        }
        this.currency = Objects.requireNonNull(currency);
        this.dataDir = Objects.requireNonNull(dataDir);
        this.ledgerFile = Objects.requireNonNull(ledgerFile);
        this.durability = Objects.requireNonNull(durability);
        this.ledgerLimits = Objects.requireNonNull(ledgerLimits);
        this.sharedLedger = Objects.requireNonNull(sharedLedger);
        this.maxTimeoutSeconds = maxTimeoutSeconds;
        this.settlement = Objects.requireNonNull(settlement);
        this.online = Objects.requireNonNull(online);
        this.payword = Objects.requireNonNull(payword);
        this.rules = List.copyOf(rules);
        this.clientLimits = Objects.requireNonNull(clientLimits);
    }

    /**
     * Reads and validates a config file.
     *
     * @throws InvalidConfigException listing every problem found, each with file, line, column and setting
     */
    public static GatewayConfig load(Path file) throws InvalidConfigException {
        return ConfigLoader.load(file);
    }

    /**
     * Validates settings a framework has bound from its properties, as {@link #load(Path)} validates a file: the
     * Spring Boot starter's inline {@code tollgate.*} properties. Relative paths resolve against the working directory.
     *
     * @param settings nested maps, lists and strings keyed as in the file ({@code broker}, {@code jwks-url},
     *     {@code rules})
     * @param prefix what problems name settings under: {@code tollgate} gives {@code tollgate.rules[0].price: ...}
     * @throws InvalidConfigException listing every problem found, each with its setting
     * @since 0.6
     */
    public static GatewayConfig of(java.util.Map<String, ?> settings, String prefix) throws InvalidConfigException {
        return ConfigLoader.load(settings, prefix, Path.of("").toAbsolutePath());
    }

    /** The file this snapshot was read from; for one {@link #of bound from properties}, {@code <cwd>/<prefix>}. */
    public Path source() {
        return source;
    }

    /** This seller's id at the broker: every scrip's {@code aud}. */
    public String sellerId() {
        return sellerId;
    }

    /** This seller's display name. */
    public String sellerName() {
        return sellerName;
    }

    /**
     * The site's public origin ({@code seller.origin}, like {@code https://shop.example}: scheme, host and port, no
     * path), which the broker returns buyers to; empty to take it from each request.
     */
    public Optional<URI> sellerOrigin() {
        return sellerOrigin;
    }

    /** The brokers whose scrip this seller accepts, in the order the 402 offers them; at least one. */
    public List<Broker> brokers() {
        return brokers;
    }

    /** The first of {@link #brokers()}: the broker of a config with a single {@code broker:} section. */
    public Broker broker() {
        return brokers.get(0);
    }

    /** The one currency prices are in and scrip must be denominated in. */
    public Currency currency() {
        return currency;
    }

    /** Where the gateway keeps its files (the ledger, the seller key). */
    public Path dataDir() {
        return dataDir;
    }

    /** The embedded ledger's database file. */
    public Path ledgerFile() {
        return ledgerFile;
    }

    public Durability durability() {
        return durability;
    }

    /** What the embedded ledger may keep on disk ({@code ledger.max-backlog}, {@code ledger.disk-reserve}). */
    public SqliteLedger.Limits ledgerLimits() {
        return ledgerLimits;
    }

    /**
     * The store this node shares budgets with other nodes through ({@code ledger.store: redis}), found through its
     * {@link dev.tollgate.gateway.ledger.LedgerProvider}; empty for the embedded ledger alone.
     *
     * @since 0.5
     */
    public Optional<SharedLedgerSettings> sharedLedger() {
        return sharedLedger;
    }

    /** The x402 {@code maxTimeoutSeconds} offered to buyers. */
    public int maxTimeoutSeconds() {
        return maxTimeoutSeconds;
    }

    /** How charges are redeemed at the brokers. */
    public Settlement settlement() {
        return settlement;
    }

    /** How online charges are confirmed at the brokers. */
    public Online online() {
        return online;
    }

    /** Limits on PayWord chains; {@link PayWord#DEFAULTS} unless the config has a {@code payword} section. */
    public PayWord payword() {
        return payword;
    }

    /** The limit on payments that fail verification, per client address. */
    public ClientLimits clientLimits() {
        return clientLimits;
    }

    /** The price rules in the order they are tried. */
    public List<PriceRule> rules() {
        return rules;
    }

    /**
     * Whether the gateway runs in {@code mode: shadow}: every priced request is served free, and what it would have
     * been charged or refused is counted ({@code TollgateFilter.shadowReport()}) and logged.
     *
     * @since 0.6
     */
    public boolean shadow() {
        return shadow;
    }
}
