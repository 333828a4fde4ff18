package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.internal.TrustFile;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.PendingVoid;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.protocol.PayWord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p>Claims the broker refuses for good ({@code expired}, {@code wrong_seller}, {@code unknown_scrip}), scrip from
 * another issuer, and scrip the broker will not redeem further are remembered in memory and left out of later
 * batches until the process restarts (a restart tries them once more).
 *
 * <p>A charge whose request may still refund it is held back ({@link RefundHolds}): the settler claims
 * {@code charged - held} of each scrip and chain, so one slow request never delays the claim of the other charges of
 * its scrip, and a held charge is claimed once it is final (its content is on its way, its request ended, or the
 * refund window passed).
 *
 * <p>The request path only calls {@link #charged()} and the holds, which never block. Thread-safe.
 */
public final class Settler implements AutoCloseable {

    /** How long one batch may take, connection included. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The answer to a batch read at most: 16 KiB, and 1 KiB per claim sent (a result names a scrip's {@code jti} of
     * at most 128 characters, or a commitment id, with its status and amounts: about 150 bytes). A longer answer fails
     * the batch like an unreachable broker.
     */
    static final int ANSWER_BYTES = 16 * 1024;
    static final int ANSWER_BYTES_PER_CLAIM = 1024;
    /** How long {@link #close()} may spend on the final batch. */
    public static final Duration FLUSH_DEADLINE = Duration.ofSeconds(5);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final String TYP = "tollgate-redemption+jwt";
    /** Seconds a batch stays valid: well under the broker's 10 minutes. */
    static final long BATCH_LIFETIME_SECONDS = 300;

    private static final Logger LOG = LoggerFactory.getLogger(Settler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> FINAL_REFUSALS = Set.of("expired", "wrong_seller", "unknown_scrip");
    /** PayWord claims the broker will never credit more on: a retry cannot change its verdict. */
    private static final Set<String> FINAL_CHAIN_REFUSALS = Set.of("expired", "wrong_seller", "unknown_certificate",
            "invalid_certificate", "invalid_commitment", "invalid_index", "invalid_word");

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

        static Settings of(GatewayConfig config) {
            GatewayConfig.Settlement s = config.settlement();
            return new Settings(s.redemptionUri(), config.sellerId(), config.broker().issuer(), s.interval(),
                    s.batchSize(), FIRST_BACKOFF, s.maxBackoff(), REQUEST_TIMEOUT, s.refundWindow());
        }
    }

    private final Settings settings;
    private final Ledger ledger;
    private final SellerKey key;
    private final Clock clock;
    private final HttpClient http;
    private final Optional<SSLContext> trust;
    private final ReentrantLock passLock = new ReentrantLock();
    /** Issuer and jti ({@code issuer + '\n' + jti}) of scrip left out of batches until restart. */
    private final Set<String> excluded = ConcurrentHashMap.newKeySet();
    /** Scrip whose refusal for a reason not known to be final was already logged. */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicLong chargesSincePass = new AtomicLong();
    private final RefundHolds holds;
    private final AtomicBoolean wake = new AtomicBoolean();
    private final AtomicLong settledSinceStart = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile Thread thread;
    private volatile Instant lastSuccess;
    private volatile String lastError;
    private volatile int failures;
    private final OnlineVoids voids;

    Settler(Settings settings, Ledger ledger, SellerKey key, Clock clock) {
        this(settings, ledger, key, clock, Optional.empty());
    }

    /** {@code trust}: the TLS context for HTTPS to the broker ({@code broker.trust-file}), or the JDK's default. */
    Settler(Settings settings, Ledger ledger, SellerKey key, Clock clock, Optional<SSLContext> trust) {
        this.trust = Objects.requireNonNull(trust);
        this.settings = Objects.requireNonNull(settings);
        this.ledger = Objects.requireNonNull(ledger);
        this.key = Objects.requireNonNull(key);
        this.clock = Objects.requireNonNull(clock);
        this.holds = new RefundHolds(clock, settings.refundWindow());
        this.http = TrustFile.clientBuilder(trust).connectTimeout(settings.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.voids = new OnlineVoids(ledger, key, settings.sellerId(), settings.audience(), clock, http, this::wake,
                this::backoffNanos, OnlineVoids.HOLD);
    }

    /**
     * Loads or creates the seller key in the config's data dir and starts settling in the background.
     *
     * @throws IllegalStateException if the seller key file is unusable (e.g. readable by group or others)
     */
    public static Settler start(GatewayConfig config, Ledger ledger, Clock clock) throws IOException {
        Settler settler = new Settler(Settings.of(config), ledger, SellerKey.loadOrCreate(config.dataDir()), clock,
                config.broker().trustFile().map(TrustFile::sslContext));
        settler.voids.chargeUri(config.online().chargeUri());
        settler.startThread();
        return settler;
    }

    void startThread() {
        Thread t = new Thread(this::run, "tollgate-settler-" + settings.sellerId());
        t.setDaemon(true);
        thread = t;
        t.start();
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
        if (chargesSincePass.incrementAndGet() == settings.batchSize()) {
            wake();
        }
    }

    /** Runs a pass now, unless the settler is backing off after failures. Never blocks. */
    private void wake() {
        wake.set(true);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Where settlement stands. Reads every unsettled scrip from the ledger ({@code unsettled(Integer.MAX_VALUE)}):
     * its cost grows with the number of unsettled scrip and it holds the ledger's database lock meanwhile, so call
     * it for a dashboard, not per request.
     */
    public SettlementStatus status() throws LedgerUnavailableException {
        List<ScripTotal> all = ledger.unsettled(Integer.MAX_VALUE);
        long charged = 0;
        long settled = 0;
        for (ScripTotal total : all) {
            charged += total.chargedMicros();
            settled += total.settledMicros();
        }
        long[] held = holds.totals();
        return new SettlementStatus(charged, settled, charged - settled, all.size(), settledSinceStart.get(),
                Optional.ofNullable(lastSuccess), Optional.ofNullable(lastError), failures, excluded.size(),
                (int) held[0], held[1]);
    }

    private void run() {
        while (!stopped) {
            long until = System.nanoTime() + (failures > 0 ? backoffNanos(failures) : settings.interval().toNanos());
            while (!stopped) {
                if (failures == 0 && wake.getAndSet(false)) {
                    break;
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                LockSupport.parkNanos(this, left);
            }
            Outcome outcome = Outcome.FULL;
            while (!stopped && outcome == Outcome.FULL) {
                outcome = settleOnce(settings.requestTimeout());
            }
        }
    }

    /** A random wait in {@code [0, min(maxBackoff, firstBackoff * 2^(failures-1))]} ("full jitter"). */
    long backoffNanos(int failures) {
        long first = settings.firstBackoff().toNanos();
        long cap = settings.maxBackoff().toNanos();
        int doublings = Math.min(Math.max(failures - 1, 0), 40);
        long ceiling = first > (cap >> doublings) ? cap : first << doublings;
        return ThreadLocalRandom.current().nextLong(Math.max(ceiling, 1) + 1);
    }

    /** Sends one batch now, if anything waits; the background thread and {@link #close} call this. */
    Outcome settleOnce() {
        return settleOnce(settings.requestTimeout());
    }

    private Outcome settleOnce(Duration timeout) {
        passLock.lock();
        try {
            chargesSincePass.set(0);
            return pass(timeout);
        } catch (RuntimeException e) {
            LOG.error("Settlement failed unexpectedly", e);
            return fail("unexpected error: " + e);
        } finally {
            passLock.unlock();
        }
    }

    private Outcome pass(Duration timeout) {
        long settledBefore = settledSinceStart.get();
        List<ScripTotal> batch;
        List<ChainTotal> chains;
        OnlineVoids.Outstanding outstanding;
        try {
            // Voids first: a scrip whose void waits is not claimed (see OnlineVoids).
            outstanding = voids.send(timeout);
        } catch (LedgerUnavailableException e) {
            return fail("the ledger is unavailable: " + e.getMessage());
        }
        holds.beginRead();
        try {
            // Every ledger read comes before the holds are read: see RefundHolds.
            int slack = excluded.size() + holds.size() + outstanding.held().size();
            batch = select(ledger.unsettled(limit(settings.batchSize(), slack)), holds.held(), outstanding.held());
            int room = settings.batchSize() - batch.size();
            chains = room <= 0 ? List.of() : selectChains(ledger.unsettledChains(limit(room, slack)), holds.held(),
                    room);
        } catch (LedgerUnavailableException e) {
            return fail("the ledger is unavailable: " + e.getMessage());
        } finally {
            holds.endRead();
        }
        if (batch.isEmpty() && chains.isEmpty()) {
            return Outcome.IDLE;
        }
        String jws = sign(batch, chains, clock.instant());
        HttpResponse<byte[]> response;
        try {
            response = post(jws, timeout, ANSWER_BYTES + ANSWER_BYTES_PER_CLAIM * (batch.size() + chains.size()));
        } catch (IOException e) {
            return fail("cannot reach the broker at " + settings.redemptionUri() + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (response.statusCode() != 200) {
            return fail("the broker answered " + response.statusCode() + ": " + abbreviate(body));
        }
        JsonNode results;
        try {
            results = JSON.readTree(body).path("results");
        } catch (IOException e) {
            return fail("the broker's answer is not JSON: " + abbreviate(body));
        }
        if (!results.isArray()) {
            return fail("the broker's answer has no results: " + abbreviate(body));
        }
        try {
            apply(batch, results, mayStillBeVoided());
            applyChains(chains, results);
        } catch (LedgerUnavailableException e) {
            return fail("the ledger is unavailable: " + e.getMessage());
        }
        succeed();
        // Another batch at once only if this one settled something: a full batch of claims that cannot settle yet (their
        // online charges still in flight) waits for the next interval instead of being sent again and again.
        return batch.size() + chains.size() >= settings.batchSize() && settledSinceStart.get() > settledBefore
                ? Outcome.FULL : Outcome.SENT;
    }

    private static int limit(int wanted, int slack) {
        return (int) Math.min(Integer.MAX_VALUE, (long) wanted + slack);
    }

    /**
     * The oldest unsettled scrip that may be claimed, at most a batch of them, each with what may be claimed now:
     * its charges less those {@code held} (by {@link RefundHolds#key}), if that is more than is settled. None whose
     * online void waits ({@code voidHeld}, by jti; see OnlineVoids).
     */
    private List<ScripTotal> select(List<ScripTotal> unsettled, Map<String, Long> held, Set<String> voidHeld) {
        List<ScripTotal> batch = new ArrayList<>();
        for (ScripTotal read : unsettled) {
            String id = RefundHolds.key(false, read.issuer(), read.jti());
            ScripTotal total = read;
            Long heldMicros = held.get(id);
            if (heldMicros != null) {
                total = new ScripTotal(read.issuer(), read.jti(), read.chargedMicros() - heldMicros,
                        read.settledMicros());
            }
            if (excluded.contains(id) || total.unsettledMicros() <= 0 || voidHeld.contains(read.jti())) {
                continue;
            }
            if (!total.issuer().equals(settings.audience())) {
                exclude(id, "scrip " + total.jti() + " was issued by " + total.issuer() + ", not by the broker "
                        + settings.audience() + " this gateway settles with; its " + total.unsettledMicros()
                        + " micro-units are not claimed");
                continue;
            }
            batch.add(total);
            if (batch.size() == settings.batchSize()) {
                break;
            }
        }
        return batch;
    }

    /**
     * The oldest unsettled chains of this broker that may be claimed, at most {@code room} of them, each with what
     * may be claimed now: its consumption less what is {@code held}, if that is more than is settled.
     */
    private List<ChainTotal> selectChains(List<ChainTotal> unsettled, Map<String, Long> held, int room) {
        List<ChainTotal> chains = new ArrayList<>();
        for (ChainTotal read : unsettled) {
            String id = chainKey(read);
            ChainTotal total = read;
            Long heldMicros = held.get(id);
            if (heldMicros != null) {
                total = read.withSpent(read.spentMicros() - heldMicros);
            }
            if (excluded.contains(id) || total.spentMicros() <= total.settledMicros()) {
                continue;
            }
            if (!total.issuer().equals(settings.audience())) {
                exclude(id, "PayWord chain " + total.commitmentId() + " was certified by " + total.issuer()
                        + ", not by the broker " + settings.audience() + " this gateway settles with; it is not "
                        + "claimed");
                continue;
            }
            chains.add(total);
            if (chains.size() == room) {
                break;
            }
        }
        return chains;
    }

    private static String chainKey(ChainTotal total) {
        return RefundHolds.key(true, total.issuer(), total.commitmentId());
    }

    /** A batch of scrip claims only. */
    String sign(List<ScripTotal> batch, Instant now) {
        return sign(batch, List.of(), now);
    }

    /**
     * The batch as PROTOCOL.md section 6 has it: a compact JWS, EdDSA, signed with the seller's key. PayWord claims
     * (section 8) follow the scrip claims: {@code {"commitment", "index", "word", "spent"}}, where the head's word
     * proves what the chain paid and {@code spent} is what its requests consumed, the part the broker credits.
     */
    String sign(List<ScripTotal> batch, List<ChainTotal> chains, Instant now) {
        ObjectNode claims = JSON.createObjectNode();
        long iat = now.getEpochSecond();
        claims.put("iss", settings.sellerId());
        claims.put("aud", settings.audience());
        claims.put("iat", iat);
        claims.put("exp", iat + BATCH_LIFETIME_SECONDS);
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        claims.put("jti", B64URL.encodeToString(id));
        ArrayNode list = claims.putArray("claims");
        for (ScripTotal total : batch) {
            list.addObject().put("jti", total.jti()).put("spent", Long.toString(total.chargedMicros()));
        }
        for (ChainTotal total : chains) {
            list.addObject().put("commitment", total.commitment()).put("index", total.index())
                    .put("word", PayWord.encodeWord(total.word())).put("spent", Long.toString(total.spentMicros()));
        }
        return key.signJws(TYP, claims);
    }

    /** Confirms online charges at the broker with this settler's seller key (PROTOCOL.md section 7). */
    public OnlineCharger onlineCharger() {
        return new OnlineCharger(key, settings.sellerId(), settings.audience(), clock, trust);
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
                ScripCanceller.FIRST_RETRY);
    }

    private HttpResponse<byte[]> post(String jws, Duration timeout, int maxAnswerBytes)
            throws IOException, InterruptedException {
        return JosePost.post(http, settings.redemptionUri(), jws, timeout, maxAnswerBytes);
    }

    /**
     * After the broker answered: per scrip jti, what its {@code redeemed} may count that a void can still take back.
     * That is every void in the outbox now, and every online charge sent to the broker whose request may still
     * refund it (the broker counts it in {@code redeemed} but the claim left it out, and its refund voids it). A void
     * queued during this pass is in one or the other: it is queued before its hold's refund is done, and holds
     * refunded during a read stay counted until the next read. Held charges that were never sent to the broker are in
     * no broker total, and the claim left them out already.
     */
    private Map<String, Long> mayStillBeVoided() throws LedgerUnavailableException {
        Map<String, Long> byJti = new HashMap<>();
        holds.beginRead();
        try {
            byJti.putAll(holds.heldAtBrokerByJti());
            for (PendingVoid v : ledger.pendingVoids(OnlineVoids.MAX_PENDING)) {
                byJti.merge(v.jti(), v.amountMicros(), Long::sum);
            }
        } finally {
            holds.endRead();
        }
        return byJti;
    }

    /**
     * Records what the broker redeemed on each scrip claimed: as settled up to the ledger's charged total, less what a
     * void may still take back ({@code takeBack}, by jti; the scrip is claimed again once that is decided).
     */
    private void apply(List<ScripTotal> batch, JsonNode results, Map<String, Long> takeBack)
            throws LedgerUnavailableException {
        Map<String, ScripTotal> sent = new HashMap<>();
        for (ScripTotal total : batch) {
            sent.put(total.jti(), total);
        }
        for (JsonNode result : results) {
            if (!result.has("jti")) {
                continue; // a PayWord result: applyChains
            }
            ScripTotal total = sent.remove(result.path("jti").asText());
            if (total == null) {
                continue; // not a claim of this batch, or answered twice
            }
            String id = total.issuer() + '\n' + total.jti();
            String status = result.path("status").asText();
            if (status.equals("credited") || status.equals("unchanged")) {
                long redeemed;
                try {
                    redeemed = Long.parseLong(result.path("redeemed").asText());
                } catch (NumberFormatException e) {
                    LOG.warn("The broker answered scrip {} with a bad 'redeemed': {}", total.jti(), result);
                    continue;
                }
                long counted = redeemed - takeBack.getOrDefault(total.jti(), 0L);
                if (counted > total.chargedMicros() && warned.add("ahead\n" + id)) {
                    // An online charge refunded here whose void this ledger no longer holds (restored from a backup)
                    // or a broker that over-counts: record what the ledger charged, keep the scrip eligible.
                    LOG.warn("The broker counts {} micro-units redeemed on scrip {}, more than the {} the ledger "
                            + "charged; recorded as settled up to the ledger's total (logged once per scrip)",
                            counted, total.jti(), total.chargedMicros());
                }
                long settled = Math.max(0, Math.min(counted, total.chargedMicros()));
                if (settled > total.settledMicros()) {
                    try {
                        ledger.markSettled(total.issuer(), total.jti(), settled);
                        settledSinceStart.addAndGet(settled - total.settledMicros());
                    } catch (IllegalArgumentException e) {
                        // A refund since the read lowered the charged total: the next pass claims it again.
                        LOG.debug("Scrip {} not marked settled: {}", total.jti(), e.getMessage());
                        continue;
                    }
                }
                if (status.equals("unchanged") && redeemed < total.chargedMicros()) {
                    exclude(id, "the broker redeems no more than " + redeemed + " of the " + total.chargedMicros()
                            + " micro-units charged on scrip " + total.jti());
                }
            } else if (status.equals("refused")) {
                String reason = result.path("reason").asText("");
                if (FINAL_REFUSALS.contains(reason)) {
                    exclude(id, "the broker refused the claim of " + total.chargedMicros() + " micro-units on scrip "
                            + total.jti() + ": " + reason);
                } else if (warned.add(id)) {
                    LOG.warn("The broker refused the claim on scrip {}: {}; it is sent again with later batches",
                            total.jti(), reason.isEmpty() ? result.toString() : reason);
                }
            } else {
                LOG.warn("The broker answered scrip {} with an unknown status: {}", total.jti(), result);
            }
        }
        if (!sent.isEmpty()) {
            LOG.debug("The broker did not answer {} claims; they are sent again with a later batch", sent.size());
        }
    }

    /**
     * Records what the broker credited on each chain: {@code redeemed}, its cumulative credit for the commitment, and
     * the {@code index} it verified.
     */
    private void applyChains(List<ChainTotal> chains, JsonNode results) throws LedgerUnavailableException {
        if (chains.isEmpty()) {
            return;
        }
        Map<String, ChainTotal> sent = new HashMap<>();
        for (ChainTotal total : chains) {
            sent.put(total.commitmentId(), total);
        }
        for (JsonNode result : results) {
            ChainTotal total = sent.remove(result.path("commitmentId").asText());
            if (total == null) {
                continue;
            }
            String id = chainKey(total);
            String status = result.path("status").asText();
            if (status.equals("credited") || status.equals("unchanged")) {
                JsonNode index = result.path("index");
                long redeemed;
                try {
                    redeemed = Long.parseLong(result.path("redeemed").asText());
                } catch (NumberFormatException e) {
                    redeemed = -1;
                }
                if (!index.canConvertToInt() || !index.isIntegralNumber() || index.intValue() < 0
                        || index.intValue() > total.index() || redeemed < 0) {
                    LOG.warn("The broker answered PayWord chain {} with a bad 'index' or 'redeemed': {}",
                            total.commitmentId(), result);
                    continue;
                }
                if (redeemed > total.settledMicros()) {
                    try {
                        ledger.markChainSettled(total.issuer(), total.commitmentId(), redeemed, index.intValue());
                        settledSinceStart.addAndGet(redeemed - total.settledMicros());
                    } catch (IllegalArgumentException e) {
                        exclude(id, "the broker says it credited " + redeemed + " on PayWord chain "
                                + total.commitmentId() + " but the ledger refuses it: " + e.getMessage());
                        continue;
                    }
                }
                if (status.equals("unchanged") && redeemed < total.spentMicros()) {
                    exclude(id, "the broker credits PayWord chain " + total.commitmentId() + " no more than "
                            + redeemed + " of the " + total.spentMicros() + " micro-units consumed");
                }
            } else if (status.equals("refused")) {
                String reason = result.path("reason").asText("");
                if (FINAL_CHAIN_REFUSALS.contains(reason)) {
                    exclude(id, "the broker refused the claim of " + total.spentMicros() + " micro-units on PayWord "
                            + "chain " + total.commitmentId() + ": " + reason);
                } else if (warned.add(id)) {
                    LOG.warn("The broker refused the claim on PayWord chain {}: {}; it is sent again with later "
                            + "batches", total.commitmentId(), reason.isEmpty() ? result.toString() : reason);
                }
            } else {
                LOG.warn("The broker answered PayWord chain {} with an unknown status: {}", total.commitmentId(),
                        result);
            }
        }
    }

    private void exclude(String id, String why) {
        if (excluded.add(id)) {
            LOG.warn("{}; left out of settlement until the gateway restarts", why);
        }
    }

    private Outcome fail(String error) {
        lastError = error;
        int count = ++failures;
        if (count == 1) {
            LOG.warn("Settlement failed: {}; retrying with backoff up to {} (logged once until it succeeds again)",
                    error, settings.maxBackoff());
        } else {
            LOG.debug("Settlement failed again ({} in a row): {}", count, error);
        }
        return Outcome.FAILED;
    }

    private void succeed() {
        if (failures > 0) {
            LOG.info("Settlement works again after {} failed attempts", failures);
        }
        failures = 0;
        lastError = null;
        lastSuccess = clock.instant();
    }

    static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }

    /** Stops settling after one final batch that may take {@link #FLUSH_DEADLINE}. */
    @Override
    public void close() {
        close(FLUSH_DEADLINE);
    }

    /**
     * Stops the background thread, then sends what waits in batches until {@code deadline} has passed: charges
     * not redeemed by then are redeemed after the next start. Call before closing the ledger.
     */
    public void close(Duration deadline) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long end = System.nanoTime() + deadline.toNanos();
        stopped = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(Math.max(1, deadline.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                LOG.warn("A settlement batch was still under way at shutdown; what it did not settle is redeemed "
                        + "after the next start");
                return;
            }
        }
        Outcome outcome = Outcome.FULL;
        while (outcome == Outcome.FULL) {
            long left = end - System.nanoTime();
            if (left < TimeUnit.MILLISECONDS.toNanos(100)) {
                LOG.info("Stopped settling; charges still unsettled are redeemed after the next start");
                return;
            }
            outcome = settleOnce(Duration.ofNanos(Math.min(left, settings.requestTimeout().toNanos())));
        }
        if (outcome == Outcome.FAILED) {
            LOG.warn("The final settlement batch failed ({}); unsettled charges are redeemed after the next start",
                    lastError);
        }
    }
}
