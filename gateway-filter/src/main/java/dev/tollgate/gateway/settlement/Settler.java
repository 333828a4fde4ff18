package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.SettlementStatus;
import dev.tollgate.gateway.keys.ClientThreads;
import dev.tollgate.gateway.keys.TrustFile;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.ScripTotal;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redeems the ledger's charges at the broker ({@code docs/PROTOCOL.md} section 6): a daemon thread that every
 * {@code settlement.interval}, or sooner once {@code settlement.batch-size} charges were made since the last batch,
 * sends the oldest unsettled scrip, then the oldest unsettled PayWord chains (section 8), as one seller-signed batch
 * of cumulative claims and records what the broker confirms with {@link Ledger#markSettled} and
 * {@link Ledger#markChainSettled}.
 *
 * <p>Claims are cumulative, so a batch whose answer was lost is simply sent again: the broker pays only the
 * difference, and the ledger never moves a settled amount backwards. While the broker is unreachable or refuses
 * whole batches (5xx, 401, 400), attempts back off exponentially with full jitter up to
 * {@code settlement.max-backoff}; the outage is logged once, and its end once.
 *
 * <p>Each pass first sends the voids of online charges waiting in the ledger's outbox ({@link OnlineVoids}); a scrip
 * whose void waits is not claimed meanwhile. A broker that reports more redeemed on a scrip than the ledger charged is
 * recorded as settled up to the ledger's total and the scrip stays eligible: settlement never wedges on it.
 *
 * <p>Claims the broker refuses for good ({@code expired}, {@code wrong_seller}, {@code unknown_scrip},
 * {@code too_many_ledgers}), scrip from
 * another issuer, and scrip the broker will not redeem further are remembered in memory and left out of later
 * batches until the process restarts (a restart tries them once more).
 *
 * <p>A charge whose request may still refund it is held back ({@link RefundHolds}): the settler claims
 * {@code charged - held} of each scrip and chain, so one slow request never delays the claim of the other charges of
 * its scrip, and a held charge is claimed once it is final (its content is on its way, its request ended, or the
 * refund window passed).
 *
 * <p>The request path only calls {@link #charged()} and the holds, which never block. Thread-safe.
 *
 * <p>This class is the status and the façade the gateway uses, and wires the rest: {@link SettlementSchedule} runs
 * the passes (the thread, the final batches at close; {@link SettlementWakeup} wakes it early, the
 * {@link SettlementBackoff} slows it down), and a pass runs one way through {@link SettlementPass}: send the voids,
 * select ({@link BatchSelector}), sign ({@link BatchSigner}), post ({@link RedemptionPoster}), apply
 * ({@link ResultsApplier}).
 */
public final class Settler implements AutoCloseable {

    /** How long one batch may take, connection included. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link #close()} may spend on the final batch. */
    public static final Duration FLUSH_DEADLINE = Duration.ofSeconds(5);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);

    /** What one call of {@link #settleOnce} did. */
    enum Outcome {
        /** Nothing waited for settlement. */
        IDLE,
        /** A batch smaller than the batch size was answered: everything waiting was sent. */
        SENT,
        /** A full batch was answered: more may wait. */
        FULL,
        /** The batch was not answered, or refused as a whole: it is retried later. */
        FAILED
    }

    /**
     * What a settler needs from the config.
     *
     * @param redemptionUri where batches are POSTed
     * @param sellerId the batch's {@code iss}
     * @param audience the broker's issuer: the batch's {@code aud}, and the {@code iss} of the scrip redeemed
     * @param interval the most time between two batches while nothing fails
     * @param batchSize the most claims in a batch
     * @param firstBackoff the first wait after a failure (doubles each failure, full jitter)
     * @param maxBackoff the longest wait after failures
     * @param requestTimeout how long one batch may take
     * @param refundWindow how long a forwarded request's charge may still be refunded
     */
    record Settings(URI redemptionUri, String sellerId, String audience, Duration interval, int batchSize,
                    Duration firstBackoff, Duration maxBackoff, Duration requestTimeout, Duration refundWindow) {

        Settings(URI redemptionUri, String sellerId, String audience, Duration interval, int batchSize,
                 Duration firstBackoff, Duration maxBackoff, Duration requestTimeout) {
            this(redemptionUri, sellerId, audience, interval, batchSize, firstBackoff, maxBackoff, requestTimeout,
                    GatewayConfig.Settlement.DEFAULT_REFUND_WINDOW);
        }

        /** The settings for settling with {@code broker}. */
        static Settings of(GatewayConfig config, SettledBroker broker) {
            GatewayConfig.Settlement s = config.settlement();
            return new Settings(broker.redemptionUri(), config.sellerId(), broker.issuer(), s.interval(),
                    s.batchSize(), FIRST_BACKOFF, s.maxBackoff(), REQUEST_TIMEOUT, s.refundWindow());
        }
    }

    private final Settings settings;
    private final Ledger ledger;
    private final SellerKey key;
    private final Clock clock;
    private final Optional<SSLContext> trust;
    /** Scrip and chains left out of batches until restart. */
    private final Exclusions exclusions = new Exclusions();
    private final RefundHolds holds;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SettlementBackoff backoff;
    private final SettlementWakeup wakeup;
    private final OnlineVoids voids;
    private final BatchSigner signer;
    private final ResultsApplier applier;
    private final SettlementSchedule schedule;
    private final BacklogAge backlog;
    private final ClientThreads httpThreads = ClientThreads.start("tollgate-settlement-http");

    Settler(Settings settings, Ledger ledger, SellerKey key, Clock clock) {
        this(settings, ledger, key, clock, Optional.empty());
    }

    /** {@code trust}: the TLS context for HTTPS to the broker ({@code broker.trust-file}), or the JDK's default. */
    Settler(Settings settings, Ledger ledger, SellerKey key, Clock clock, Optional<SSLContext> trust) {
        this(settings, ledger, key, clock, trust, new RefundHolds(clock, settings.refundWindow()));
    }

    /** {@code holds}: the request path's holds, which every broker's settler reads (those of its broker's scrip). */
    Settler(Settings settings, Ledger ledger, SellerKey key, Clock clock, Optional<SSLContext> trust,
            RefundHolds holds) {
        this.trust = Objects.requireNonNull(trust);
        this.settings = Objects.requireNonNull(settings);
        this.ledger = Objects.requireNonNull(ledger);
        this.key = Objects.requireNonNull(key);
        this.clock = Objects.requireNonNull(clock);
        this.holds = Objects.requireNonNull(holds);
        this.backoff = new SettlementBackoff(settings.firstBackoff(), settings.maxBackoff(), clock);
        this.wakeup = new SettlementWakeup(settings.batchSize());
        this.backlog = new BacklogAge(clock);
        HttpClient http = httpThreads.client(TrustFile.clientBuilder(trust).connectTimeout(settings.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER));
        this.voids = new OnlineVoids(ledger, key, settings.sellerId(), settings.audience(), clock, http,
                wakeup::wake, backoff::backoffNanos, OnlineVoids.HOLD);
        this.signer = new BatchSigner(key, settings.sellerId(), settings.audience(), ledger.settlementLedgerId());
        this.applier = new ResultsApplier(ledger, holds, exclusions, settings.audience());
        SettlementPass pass = new SettlementPass(voids,
                new BatchSelector(ledger, holds, exclusions, settings.audience(), settings.batchSize()), signer,
                new RedemptionPoster(http, settings.redemptionUri()), applier, clock, settings.batchSize(), backlog);
        this.schedule = new SettlementSchedule(pass, backoff, wakeup, settings.interval(), settings.requestTimeout());
    }

    /** Settles with {@code broker} in the background, with the seller's {@code key} and the shared {@code holds}. */
    static Settler start(GatewayConfig config, SettledBroker broker, Ledger ledger, SellerKey key,
                         RefundHolds holds, Clock clock) {
        Settler settler = new Settler(Settings.of(config, broker), ledger, key, clock,
                broker.trustFile().map(TrustFile::sslContext), holds);
        settler.voids.chargeUri(broker.chargeUri());
        settler.startThread(config.brokers().size() == 1 ? "" : "-" + broker.id());
        return settler;
    }

    /**
     * Settles what is left of this broker's charges and stops: once, no sooner than {@code grace} from now, a pass
     * finds nothing of its broker left to claim ({@link #drained}), the thread ends and runs {@code whenDrained}
     * (then the owner closes this settler). For a broker removed from the config.
     */
    void retire(Duration grace, Runnable whenDrained) {
        schedule.finishWhen(System.nanoTime() + grace.toNanos(), this::drained, whenDrained);
        wakeup.wake();
    }

    /** Takes back {@link #retire}: whether this settler still runs (false once it finished; start another). */
    boolean keep() {
        return schedule.finishWhen(0, null, null);
    }

    /**
     * Whether nothing of this broker's charges is left to claim: no request may still refund one, no void of an
     * online charge waits, and every unsettled scrip and chain of its issuer is one the broker refused for good
     * ({@link Exclusions}; a restart tries those once more).
     */
    private boolean drained() throws LedgerUnavailableException {
        String issuer = settings.audience();
        if (holds.totals(issuer)[0] > 0 || !ledger.pendingVoids(issuer, 1).isEmpty()) {
            return false;
        }
        int limit = exclusions.size() + 1;
        for (ScripTotal total : ledger.unsettled(issuer, limit)) {
            if (!exclusions.contains(RefundHolds.key(false, issuer, total.jti()))) {
                return false;
            }
        }
        for (ChainTotal total : ledger.unsettledChains(issuer, limit)) {
            if (!exclusions.contains(BatchSelector.chainKey(total))) {
                return false;
            }
        }
        return true;
    }

    void startThread() {
        startThread("");
    }

    private void startThread(String suffix) {
        schedule.start("tollgate-settler-" + settings.sellerId() + suffix);
        LOG.info("Settling with {} every {} (batches of at most {} claims)", settings.redemptionUri(),
                settings.interval(), settings.batchSize());
    }

    /** The seller's public key as an OKP/Ed25519 JWK, JSON, to register at the broker. */
    public String sellerPublicJwk() {
        return key.publicJwk();
    }

    /** The RFC 7638 thumbprint of the seller's public key: the {@code kid} of every batch. */
    public String sellerKeyThumbprint() {
        return key.thumbprint();
    }

    /**
     * The request path's holds: before a request's refundable charge is made, it takes a hold, which keeps that
     * amount out of claims until the charge is final or refunded. A cumulative claim can never go down, so a claim
     * that included a charge refunded afterwards would pay the seller for content not served.
     */
    public RefundHolds holds() {
        return holds;
    }

    /** Called after every charge, on the request path: counts it and wakes the settler early. Never blocks. */
    public void charged() {
        backlog.charged();
        wakeup.charged();
    }

    /** How long the oldest charge still unsettled here has waited ({@link BacklogAge}); empty if none waits. */
    Optional<Duration> backlogAge() {
        return backlog.age();
    }

    /**
     * Where settlement with this broker stands. Reads every unsettled scrip of the broker from the ledger:
     * its cost grows with the number of unsettled scrip and it holds the ledger's database lock meanwhile, so call
     * it for a dashboard, not per request.
     */
    public SettlementStatus status() throws LedgerUnavailableException {
        List<ScripTotal> all = ledger.unsettled(settings.audience(), Integer.MAX_VALUE);
        long charged = 0;
        long settled = 0;
        for (ScripTotal total : all) {
            charged += total.chargedMicros();
            settled += total.settledMicros();
        }
        long[] held = holds.totals(settings.audience());
        return new SettlementStatus(charged, settled, charged - settled, all.size(), applier.settledSinceStart(),
                backoff.lastSuccess(), backoff.lastError(), backoff.failures(), exclusions.size(),
                (int) held[0], held[1]);
    }

    /** Sends one batch now, if anything waits, as the background thread does (tests). */
    Outcome settleOnce() {
        return schedule.settleOnce(settings.requestTimeout());
    }

    /** A batch of scrip claims only, signed as {@link BatchSigner#sign} has it. */
    String sign(List<ScripTotal> batch, Instant now) {
        return sign(batch, List.of(), now);
    }

    /** The batch as PROTOCOL.md section 6 has it: see {@link BatchSigner#sign}. */
    String sign(List<ScripTotal> batch, List<ChainTotal> chains, Instant now) {
        return signer.sign(batch, chains, now);
    }

    /** Confirms online charges at the broker with this settler's seller key (PROTOCOL.md section 7). */
    public OnlineCharger onlineCharger() {
        return new OnlineCharger(key, settings.sellerId(), settings.audience(), clock, trust, httpThreads,
                ledger.settlementLedgerId());
    }

    /** The outbox of online voids this settler sends before its claims (PROTOCOL.md section 7). */
    public OnlineVoids onlineVoids() {
        return voids;
    }

    /**
     * Cancels scrip at the broker with this settler's seller key (PROTOCOL.md section 10): its own client and
     * retry thread, started at the first retry. The caller closes it.
     */
    public ScripCanceller scripCanceller(URI cancelUri) {
        return new ScripCanceller(key, settings.sellerId(), settings.audience(), cancelUri, clock, trust,
                httpThreads, ScripCanceller.FIRST_RETRY);
    }

    /** Stops settling after one final batch that may take {@link #FLUSH_DEADLINE}. */
    @Override
    public void close() {
        close(FLUSH_DEADLINE);
    }

    /**
     * Stops the background thread, then sends what waits in batches until {@code deadline} has passed: charges
     * not redeemed by then are redeemed after the next start. Then stops the threads of every HTTP client to the
     * broker made here (the online charger's and the scrip canceller's too): close those first. Call before closing
     * the ledger.
     */
    public void close(Duration deadline) {
        if (closed.compareAndSet(false, true)) {
            schedule.stop(deadline);
            httpThreads.close();
        }
    }

    /**
     * Closes a settler whose thread ended by itself ({@link #retire}): the threads of its HTTP clients (the online
     * charger's and the scrip canceller's too: close those first). Nothing is left to send. May run on that thread.
     */
    void closeRetired() {
        if (closed.compareAndSet(false, true)) {
            httpThreads.close();
        }
    }

    /** The broker's issuer this settler settles with. */
    String issuer() {
        return settings.audience();
    }
}
