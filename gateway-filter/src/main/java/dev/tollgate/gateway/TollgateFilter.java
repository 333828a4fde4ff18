package dev.tollgate.gateway;

import dev.tollgate.gateway.internal.ErrorCode;
import dev.tollgate.gateway.internal.PaymentException;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.settlement.OnlineCharger;
import dev.tollgate.gateway.settlement.OnlineVoids;
import dev.tollgate.gateway.settlement.RefundHold;
import dev.tollgate.gateway.settlement.RefundHolds;
import dev.tollgate.gateway.settlement.ScripCanceller;
import dev.tollgate.gateway.settlement.SettlementStatus;
import dev.tollgate.gateway.settlement.Settler;
import dev.tollgate.protocol.Money;
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
    /** Servlet-context attribute under which the filter makes itself available to the seller's app. */
    public static final String CONTEXT_ATTRIBUTE = "dev.tollgate.gateway";

    private static final long DEFAULT_CACHE_SIZE = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(TollgateFilter.class);

    private final Builder settings;
    private volatile Snapshot snapshot;
    private volatile String lastReloadProblem;
    private Clock clock;
    private CredentialCache credentials;
    /** Reads and verifies payments; package-private for tests. */
    CredentialReader reader;
    private BrowserFlow browser;
    private BrokerVerification verification;
    private Ledger ledger;
    private boolean ownsLedger;
    private ConfigWatcher watcher;
    private volatile Settler settler;
    private OnlineCharger onlineCharger;
    private RefundHolds holds;
    private OnlineVoids onlineVoids;
    private ScripCanceller canceller;
    private PaidForwarding forwarding;
    private RefundLimit refundLimit;
    /** The PayWord payment path; package-private for tests. */
    PayWordPayments payWords;

    /** For containers, which configure the filter through {@link #init}. */
    public TollgateFilter() {
        this(new Builder());
    }

    private TollgateFilter(Builder settings) {
        this.settings = settings;
    }

    /** Configures a filter in code, for containers without {@code web.xml}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        String name = filterConfig == null ? "tollgate" : filterConfig.getFilterName();
        Path file = settings.configFile;
        if (file == null) {
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
        GatewayConfig config;
        try {
            config = GatewayConfig.load(file);
        } catch (InvalidConfigException e) {
            throw new ServletException("Filter '" + name + "' cannot start: " + e.getMessage(), e);
        }
        clock = settings.clock;
        credentials = new CredentialCache(settings.cacheSize, clock);
        try {
            ledger = settings.ledger;
            ownsLedger = ledger == null;
            if (ownsLedger) {
                ledger = LedgerFactory.open(config);
            }
            settler = Settler.start(config, ledger, clock);
            onlineCharger = settler.onlineCharger();
            holds = settler.holds();
            onlineVoids = settler.onlineVoids();
            refundLimit = new RefundLimit();
            forwarding = new PaidForwarding(ledger, refundLimit);
            verification = BrokerVerification.start(config, clock);
            FailedVerifications failures = new FailedVerifications(config.clientLimits().clients(), clock);
            reader = new CredentialReader(verification::verify, clock, config.broker().keyRefresh(), failures);
            payWords = PayWordPayments.start(config, verification.keys(), ledger, forwarding, holds, refundLimit,
                    settler::charged, clock, settings.cacheSize, failures);
            canceller = settler.scripCanceller(config.settlement().cancelUri());
            browser = new BrowserFlow(clock, BrowserSeal.loadOrCreate(config.dataDir()), ledger, canceller,
                    new CallbackGuard(failures, new FailedVerifications(config.clientLimits().clients(), clock)));
            snapshot = new Snapshot(config, browser);
            if (settings.watch) {
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

    /** The ledger charges are recorded in. */
    public Ledger ledger() {
        return ledger;
    }

    /**
     * The seller's Ed25519 public key as a JWK ({@code {"kty":"OKP","crv":"Ed25519","x":"..."}}), to register at the
     * broker: it verifies the redemption batches the gateway signs. Generated into {@code <data-dir>/seller-key.json}
     * at first start. Available once {@link #init} has run.
     */
    public String sellerPublicJwk() {
        return started().sellerPublicJwk();
    }

    /**
     * Where redeeming the charges at the broker stands. Reads every unsettled scrip from the ledger: for a dashboard
     * or health check, not per request.
     */
    public SettlementStatus settlementStatus() throws LedgerUnavailableException {
        return started().status();
    }

    /**
     * What was sold, for the seller's dashboard: revenue per resource and in total, the {@code recentLimit} latest
     * charges, and the settled and unsettled totals. Reads every charge in the ledger: not for the request path.
     *
     * @param recentLimit how many of the latest charges to include, 0 to 1000
     * @throws LedgerUnavailableException if the ledger cannot be read (or keeps no sales records)
     */
    public SalesReport report(int recentLimit) throws LedgerUnavailableException {
        started();
        return SalesReport.of(snapshot.currency, ledger.sales(recentLimit));
    }

    private Settler started() {
        Settler s = settler;
        if (s == null) {
            throw new IllegalStateException("the filter has not been started (init)");
        }
        return s;
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
            snapshot = new Snapshot(next, browser);
            onlineVoids.chargeUri(next.online().chargeUri());
            lastReloadProblem = null;
            LOG.info("Reloaded {}: {} price rules", file, next.rules().size());
        } catch (InvalidConfigException e) {
            lastReloadProblem = e.getMessage();
            LOG.error("Kept the previous config: {}", e.getMessage());
        } catch (RuntimeException e) {
            lastReloadProblem = file + ": could not be read: " + e;
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
        String method = upperCase(request.getMethod());
        String path = pathOf(request);
        if (path.equals(BrowserFlow.CALLBACK_PATH)) {
            browser.callback(request, response, method, reader, credentials, snapshot.config);
            return;
        }
        if (path.equals(BrowserFlow.CONFIRM_PATH)) {
            browser.confirm(request, response, method);
            return;
        }
        Snapshot current = snapshot;
        if (method.equals("OPTIONS")) { // never charged (CORS preflights carry no payment), never the paid content
            chain.doFilter(request, current.rules.pricedForSomeMethod(path) ? new OptionsResponse(response) : response);
            return;
        }
        PriceRule rule = current.rules.match(path, method);
        if (rule == null || rule.charge() == ChargeModel.FREE) {
            chain.doFilter(request, response);
            return;
        }
        Credential.Verified paid;
        PaymentException entitledOnly = null;
        try {
            Credential read = reader.fromRequest(request, current, credentials);
            // --- PayWord hook (PROTOCOL.md section 8): PayWordPayments checks, charges and forwards it.
            if (read instanceof Credential.PayWordPayment payWord) {
                payWords.serve(request, response, chain, current, rule, payWord, path);
                return;
            }
            // --- end PayWord hook
            paid = (Credential.Verified) read;
            if (paid == null) {
                Answers.paymentRequired(request, response, current, rule, ErrorCode.PAYMENT_REQUIRED,
                        "pay " + rule.price() + " with scrip from " + current.config.broker().name());
                return;
            }
            checkStillAcceptable(paid, current, rule);
            if (paid.network() == null && current.browser != null) { // paid from the browser flow's cookie
                PaymentException refused = current.browser.checkCookieRequest(request, paid, rule.price().micros(),
                        current.config.sellerName());
                if (refused != null && rule.charge() != ChargeModel.PER_STREAM) {
                    throw refused;
                }
                entitledOnly = refused; // a stream's ranges and segments pass on an entitlement: they charge nothing
            }
        } catch (LedgerUnavailableException e) {
            LOG.error("Ledger unavailable; refusing paid content for {}", path, e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return;
        } catch (PaymentException e) {
            Answers.paymentRequired(request, response, current, rule, e.code(), e.getMessage());
            return;
        } catch (FailedVerifications.TooManyFailures e) {
            Answers.tooManyFailures(response, e);
            return;
        } catch (RuntimeException e) {
            // A bug or an input no check foresaw: refuse the payment rather than answer 500 or let it pass.
            LOG.warn("Could not read the payment for {}; refusing it", path, e);
            Answers.paymentRequired(request, response, current, rule, ErrorCode.MALFORMED_PAYMENT,
                    "the payment could not be read");
            return;
        }
        if (rule.charge() == ChargeModel.METERED) {
            Metering.serve(request, response, chain, current, rule, paid,
                    UnitCharger.scrip(ledger, paid.scrip(), rule.price().micros(), path), settler::charged,
                    request.getMethod());
            return;
        }
        // Held back from claims before it is charged (the settler must never read the charge without its hold).
        RefundHold hold = holds.scrip(paid.scrip().issuer(), paid.scrip().jti(), rule.price().micros());
        boolean endsLater = false;
        try {
            endsLater = chargeAndForward(request, response, chain, current, rule, paid, path, hold, entitledOnly);
        } finally {
            if (!endsLater) {
                hold.end();
            }
        }
    }

    /**
     * Charges the scrip and forwards the request. Returns whether the request went asynchronous with its charge still
     * refundable, in which case its listener ends the hold.
     *
     * @param entitledOnly for a per-stream request that may not be charged, why not: it passes only on an entitlement
     */
    private boolean chargeAndForward(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                                     Snapshot current, PriceRule rule, Credential.Verified paid, String path,
                                     RefundHold hold, PaymentException entitledOnly)
            throws IOException, ServletException {
        ChargeResult result;
        PerStream stream = rule.charge() == ChargeModel.PER_STREAM ? new PerStream(rule, path, clock) : null;
        if (refundLimit.exhausted(hold)) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.TOO_MANY_REFUNDS,
                    RefundLimit.refusal("scrip") + "; get new scrip from " + current.config.broker().name());
            return false;
        }
        if (rule.online() && !onlineVoids.admits(paid.scrip().jti())) {
            // Too many voids of failed online charges wait for the broker (OnlineVoids): charge nothing more.
            Answers.unavailable(response, ErrorCode.BROKER_UNAVAILABLE, "the broker has not yet confirmed the "
                    + "refunds of earlier online payments; nothing was charged, try again shortly");
            return false;
        }
        try {
            result = stream != null ? stream.charge(ledger, paid.scrip(), entitledOnly == null)
                    : ledger.charge(paid.scrip(), rule.price().micros(), path);
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Ledger unavailable; refusing paid content for {}", path, e);
            Answers.unavailable(response, ErrorCode.LEDGER_UNAVAILABLE, "the seller cannot record payments right now");
            return false;
        }
        if (result instanceof ChargeResult.Entitled entitled) {
            hold.end(); // nothing charged: the request holds nothing while it runs
            stream.forwardEntitled(request, response, chain, current, paid, entitled);
            return false;
        }
        if (entitledOnly != null) {
            Answers.paymentRequired(request, response, current, rule, entitledOnly.code(), entitledOnly.getMessage());
            return false;
        }
        if (!(result instanceof ChargeResult.Charged)) {
            Answers.paymentRequired(request, response, current, rule, ErrorCode.INSUFFICIENT_BUDGET, "this costs "
                    + rule.price() + " but only " + Money.ofMicros(result.remainingMicros(), rule.price().currency())
                    + " is left on your scrip");
            return false;
        }
        ChargeResult.Charged charged = (ChargeResult.Charged) result;
        String confirmation = null;
        if (rule.online()) {
            confirmation = confirmOnline(request, response, current, rule, paid, charged, path, hold);
            if (confirmation == null) {
                return false;
            }
        }
        settler.charged();
        return forwardPaid(request, response, chain, current, paid, charged, confirmation,
                stream == null ? null : stream.receipt(current, paid, charged), hold);
    }

    /**
     * PROTOCOL.md section 7: asks the broker to confirm a charge the ledger has made durably. Returns the broker's
     * confirmation ({@code ""} if it sent none) when the content may be served. A refusal refunds the local charge
     * and answers 402. No usable answer in time (after retries) fails closed: the broker may have recorded the charge,
     * so its void is queued and the local charge refunded, and the buyer gets 503 {@code broker_unavailable}.
     */
    private String confirmOnline(HttpServletRequest request, HttpServletResponse response, Snapshot current,
                                 PriceRule rule, Credential.Verified paid, ChargeResult.Charged charged, String path,
                                 RefundHold hold) throws IOException {
        GatewayConfig.Online online = current.config.online();
        OnlineCharger.Outcome outcome;
        hold.sentToBroker(); // from now on the broker may count it: a settlement pass must know (Settler)
        try {
            outcome = onlineCharger.charge(online.chargeUri(), online.timeout(), charged.receiptId(),
                    paid.scrip().jti(), charged.amountMicros());
        } catch (RuntimeException e) {
            LOG.warn("Could not ask the broker to confirm charge {} for {}", charged.receiptId(), path, e);
            outcome = new OnlineCharger.Unavailable("unexpected error: " + e);
        }
        if (outcome instanceof OnlineCharger.Charged confirmed) {
            return confirmed.confirmation();
        }
        ErrorCode code;
        String message;
        if (outcome instanceof OnlineCharger.Refused refused) {
            switch (refused.status()) {
                case 409 -> {
                    code = ErrorCode.INSUFFICIENT_BUDGET;
                    message = "the broker says the scrip's budget cannot cover " + rule.price();
                }
                case 410 -> {
                    code = ErrorCode.EXPIRED_TOKEN;
                    message = "the broker says the scrip has expired or was returned; get new scrip from "
                            + current.config.broker().name();
                }
                default -> {
                    code = ErrorCode.INVALID_TOKEN;
                    message = "the broker refused the scrip"
                            + (refused.reason().isEmpty() ? "" : " (" + refused.reason() + ")");
                }
            }
            LOG.debug("The broker refused online charge {} for {}: {} {}", charged.receiptId(), path,
                    refused.status(), refused.reason());
        } else {
            boolean refunded = forwarding.refundOnline(onlineVoids, paid.scrip().jti(), hold, charged.receiptId(),
                    "the broker did not confirm it: " + ErrorCode.BROKER_UNAVAILABLE.code(), false)
                    == PaidForwarding.Refund.REFUNDED;
            LOG.warn("Online charge {} for {} not confirmed ({}); {}", charged.receiptId(), path,
                    ((OnlineCharger.Unavailable) outcome).why(), refunded ? "refunded and void queued"
                            : "the charge stands");
            Answers.unavailable(response, ErrorCode.BROKER_UNAVAILABLE, refunded
                    ? "the broker could not confirm the payment right now; nothing was charged, try again"
                    : "the broker could not confirm the payment right now, and the charge could not be undone");
            return null;
        }
        // The broker refused the scrip: the buyer's doing, as a made-up path is.
        forwarding.refund(hold, charged.receiptId(), "the broker did not confirm it: " + code.code(), true);
        Answers.paymentRequired(request, response, current, rule, code, message);
        return null;
    }

    /** Forwards a charged request; returns whether it went asynchronous (its listener then ends it). */
    private boolean forwardPaid(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
                                Snapshot current, Credential.Verified paid, ChargeResult.Charged charged,
                                String confirmation, String receipt, RefundHold hold)
            throws IOException, ServletException {
        request.setAttribute(Payment.REQUEST_ATTRIBUTE, new Payment(paid.scrip().buyer(), paid.scrip().jti(),
                charged.amountMicros(), charged.remainingMicros(), current.currency, charged.receiptId()));
        String jti = paid.scrip().jti();
        // A charge the broker confirmed is refunded at the broker too: its void is queued first (OnlineVoids).
        PaidResponse.Refunder refunder = confirmation == null ? forwarding
                : (h, receiptId, why, buyersDoing) -> forwarding.refundOnline(onlineVoids, jti, h, receiptId, why,
                        buyersDoing);
        PaidResponse paidResponse = receipt != null
                ? PaidResponse.withReceipt(response, refunder, hold, current.network, paid.buyerJson(), charged,
                        receipt)
                : new PaidResponse(response, refunder, hold, current.network, paid.buyerJson(),
                        charged.receiptId(), charged.amountMicros(), charged.remainingMicros(), confirmation);
        return forwarding.forward(request, response, chain, paidResponse);
    }

    /** What a cached credential was checked against can change on reload or with time: check it per request. */
    private void checkStillAcceptable(Credential.Verified paid, Snapshot current, PriceRule rule)
            throws PaymentException {
        if (clock.millis() >= paid.expiresAtMillis()) {
            throw new PaymentException(ErrorCode.EXPIRED_TOKEN, "the scrip has expired; get new scrip from "
                    + current.config.broker().name());
        }
        if (paid.network() != null && !paid.network().equals(current.network)) {
            throw new PaymentException(ErrorCode.MALFORMED_PAYMENT, "network '" + paid.network()
                    + "' is not accepted here; pay on '" + current.network + "'");
        }
        if (paid.acceptedMicros() < rule.price().micros()) {
            throw new PaymentException(ErrorCode.PRICE_CHANGED, "the price is now " + rule.price() + "; you agreed to "
                    + Money.ofMicros(paid.acceptedMicros(), rule.price().currency()));
        }
    }

    /**
     * The path rules are matched against: the container's decoded, normalised path within the context, with runs of
     * slashes collapsed (some frameworks route {@code //premium} like {@code /premium}).
     */
    static String pathOf(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String path = pathInfo == null ? (servletPath.isEmpty() ? "/" : servletPath) : servletPath + pathInfo;
        return path.indexOf("//") < 0 ? path : path.replaceAll("/{2,}", "/");
    }

    /** Methods are case-sensitive in HTTP, but some frameworks route {@code get} like {@code GET}. */
    static String upperCase(String method) {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c >= 'a' && c <= 'z') {
                return method.toUpperCase(java.util.Locale.ROOT);
            }
        }
        return method;
    }

    @Override
    public void destroy() {
        if (watcher != null) {
            watcher.close();
        }
        if (verification != null) {
            verification.close();
        }
        if (canceller != null) {
            canceller.close();
        }
        if (settler != null) {
            settler.close(); // one final batch, with a short deadline, while the ledger is still open
        }
        if (ledger != null && ownsLedger) {
            ledger.close();
        }
    }

    /**
     * Settings for a filter built in code. Not thread-safe; the built filter is.
     *
     * @since 0.1
     */
    public static final class Builder {
        private Path configFile;
        private Ledger ledger;
        private Clock clock = Clock.systemUTC();
        private long cacheSize = DEFAULT_CACHE_SIZE;
        private boolean watch = true;

        private Builder() {
        }

        /** The YAML config file; required. */
        public Builder configFile(Path file) {
            this.configFile = java.util.Objects.requireNonNull(file, "file cannot be null.");
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
            if (configFile == null) {
                throw new IllegalStateException("configFile is required.");
            }
            Builder copy = new Builder();
            copy.configFile = configFile;
            copy.ledger = ledger;
            copy.clock = clock;
            copy.cacheSize = cacheSize;
            copy.watch = watch;
            return new TollgateFilter(copy);
        }
    }
}
