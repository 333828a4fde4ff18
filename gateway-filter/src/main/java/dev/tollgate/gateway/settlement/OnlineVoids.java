package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.PendingVoid;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settlement outbox of online voids ({@code docs/PROTOCOL.md} section 7): an online charge the broker confirmed
 * (or may have recorded) whose content was then not served is refunded locally and voided at the broker, so the
 * buyer's budget there is whole again.
 *
 * <p>The request path calls {@link #admits} before an online charge and {@link #refund} to refund one; the settler
 * calls {@link #send} at the start of every pass, before any claim. {@code send} finishes a refund a crash
 * interrupted, POSTs the waiting voids ({@value #MAX_PER_REQUEST} per seller-signed {@code tollgate-void+jwt}),
 * takes out of the outbox what the broker confirmed, backs off while the broker does not answer, and returns what
 * is still outstanding. While a void waits, the broker's {@code redeemed} total of its scrip still counts the charge
 * the ledger refunded, so the settler (1) holds the scrip's claims, at most {@link #HOLD} after the void was queued:
 * a claim could raise the broker's total to the ledger's and the void landing after it would take the charge off
 * twice; and (2) records a scrip as settled only up to the broker's total less its voids still waiting and its
 * charges that requests may still refund (and void) when the broker answered, so that a scrip claimed before its
 * void landed is claimed again once it has. Nothing wedges: a void that never lands costs
 * one idempotent claim per pass.
 *
 * <p>Bounds: at most {@value #MAX_PENDING} voids wait in all and {@value #MAX_PENDING_PER_SCRIP} per scrip; an online
 * charge beyond either is refused before anything is charged (the counts are this node's view, rebuilt from the
 * ledger at every pass, plus what it queued since that read). Thread-safe.
 */
public final class OnlineVoids {

    static final String TYP = "tollgate-void+jwt";
    /** Most charge ids in one void request: the broker's limit. */
    static final int MAX_PER_REQUEST = 100;
    /** Most voids waiting in all; beyond, online charges are refused (503) before anything is charged. */
    public static final int MAX_PENDING = 10_000;
    /** Most voids waiting per scrip; beyond, online charges on it are refused (503) before anything is charged. */
    public static final int MAX_PENDING_PER_SCRIP = 16;
    /** The answer read at most: a few hundred bytes, plus one result of under 100 bytes per void sent. */
    static final int ANSWER_BYTES = 16 * 1024;
    static final int ANSWER_BYTES_PER_VOID = 512;
    /** The longest a scrip with a void still waiting is kept out of claims. */
    static final Duration HOLD = Duration.ofMinutes(10);
    /**
     * A void queued by this process whose charge is not refunded yet is left to its request this long (its refund
     * waits at most the ledger's wait timeout); then the settler refunds it.
     */
    static final Duration REFUND_GRACE = Duration.ofMinutes(1);
    /** Seconds a void request stays valid: as a batch. */
    static final long LIFETIME_SECONDS = BatchSigner.LIFETIME_SECONDS;

    /**
     * What {@link #send} left waiting.
     *
     * @param held the jtis of the scrip whose claims wait: a void of theirs was queued less than {@link #HOLD} ago
     */
    record Outstanding(Set<String> held) {
        static final Outstanding NONE = new Outstanding(Set.of());
    }

    private static final Logger LOG = LoggerFactory.getLogger(OnlineVoids.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ledger ledger;
    private final SellerKey key;
    private final String sellerId;
    private final String audience;
    private final Clock clock;
    private final HttpClient http;
    private final Runnable wakeSettler;
    private final IntToLongFunction backoffNanos;
    private volatile Duration hold;
    private volatile URI voidUri;
    /** Scrip jti -> voids waiting on it, as of the last pass plus those queued since by this node. */
    private volatile Map<String, Integer> pendingByScrip = Map.of();
    private volatile int pending;
    /**
     * Voids queued by this node since the outbox was last read: counted on top of what that read found, so a void
     * queued while a pass runs is never out of the count (one queued just before the read may count twice, until
     * the next pass).
     */
    private volatile Queued queuedSinceRead = new Queued();
    /** While a read of the outbox runs: what was queued since the read before it, still counted until it is done. */
    private volatile Queued beingRead = new Queued();

    /** Voids queued since a read of the outbox, per scrip and in all. */
    private static final class Queued {
        final Map<String, Integer> byScrip = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();
    }
    /** Receipts whose long wait was logged; only the settler thread touches it. */
    private Set<String> overdue = new HashSet<>();
    private int failures;
    private long notBeforeNanos;
    /** Voids queued up to now were queued by an earlier process. */
    private final long startedMillis = System.currentTimeMillis();

    OnlineVoids(Ledger ledger, SellerKey key, String sellerId, String audience, Clock clock, HttpClient http,
                Runnable wakeSettler, IntToLongFunction backoffNanos, Duration hold) {
        this.ledger = Objects.requireNonNull(ledger);
        this.key = Objects.requireNonNull(key);
        this.sellerId = Objects.requireNonNull(sellerId);
        this.audience = Objects.requireNonNull(audience);
        this.clock = Objects.requireNonNull(clock);
        this.http = Objects.requireNonNull(http);
        this.wakeSettler = Objects.requireNonNull(wakeSettler);
        this.backoffNanos = Objects.requireNonNull(backoffNanos);
        this.hold = Objects.requireNonNull(hold);
    }

    /**
     * Where online charges are POSTed ({@code broker.charge-url}, live on reload): voids go to the same path plus
     * {@code /void}.
     */
    public void chargeUri(URI chargeUri) {
        String base = chargeUri.toString();
        voidUri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/void");
    }

    /** Tests: how long a scrip with a waiting void is held out of claims. */
    void holdFor(Duration value) {
        hold = value;
    }

    /**
     * Request path, before an online charge on scrip {@code jti}: whether fewer voids than the limits wait, in all and
     * on this scrip. Never blocks.
     */
    public boolean admits(String jti) {
        Queued queued = queuedSinceRead;
        Queued reading = beingRead;
        return pending + queued.total.get() + reading.total.get() < MAX_PENDING
                && pendingByScrip.getOrDefault(jti, 0) + queued.byScrip.getOrDefault(jti, 0)
                        + reading.byScrip.getOrDefault(jti, 0) < MAX_PENDING_PER_SCRIP;
    }

    /**
     * Request path: refunds the online charge {@code receiptId} on scrip {@code jti}, which the broker confirmed or
     * may have recorded. Durably queues its void first, then runs {@code localRefund}, then wakes the settler to send
     * the void. A process that dies in between leaves a queued void whose charge the settler refunds. {@code false}
     * if the void could not be queued (logged; the charge then stands and is not refunded) or {@code localRefund}
     * returned {@code false} (the settler refunds it later).
     */
    public boolean refund(String receiptId, String jti, BooleanSupplier localRefund) {
        try {
            ledger.queueVoid(receiptId);
        } catch (LedgerUnavailableException | RuntimeException e) {
            LOG.error("Could not queue the void of online charge {}; the charge stands", receiptId, e);
            return false;
        }
        Queued queued = queuedSinceRead; // after the void is in the outbox: a read that misses it finds it here
        queued.byScrip.merge(jti, 1, Integer::sum);
        queued.total.incrementAndGet();
        try {
            return localRefund.getAsBoolean();
        } finally {
            wakeSettler.run();
        }
    }

    /**
     * Settler, at the start of a pass: sends the waiting voids (unless backing off after a failure) and returns what
     * is still outstanding.
     *
     * @throws LedgerUnavailableException if the outbox cannot be read: the pass fails, nothing is claimed
     */
    Outstanding send(Duration timeout) throws LedgerUnavailableException {
        // What was queued since the last read stays counted until this read's counts replace it; what is queued from
        // now on counts on top of them (a void queued during the read may count twice, until the next pass).
        beingRead = queuedSinceRead;
        queuedSinceRead = new Queued();
        List<PendingVoid> waiting = ledger.pendingVoids(MAX_PENDING);
        Map<String, Integer> read = new HashMap<>();
        waiting.forEach(v -> read.merge(v.jti(), 1, Integer::sum));
        recount(read, waiting.size());
        beingRead = new Queued();
        if (waiting.isEmpty()) {
            return Outstanding.NONE;
        }
        List<PendingVoid> ready = new ArrayList<>(waiting.size());
        long graceEnd = System.currentTimeMillis() - REFUND_GRACE.toMillis();
        for (PendingVoid v : waiting) {
            long queued = v.queuedAt().toEpochMilli();
            if (v.refunded() || ((queued <= startedMillis || queued < graceEnd) && finishRefund(v))) {
                ready.add(v);
            }
        }
        Set<String> confirmed = new HashSet<>();
        URI uri = voidUri;
        if (uri != null && System.nanoTime() - notBeforeNanos >= 0) {
            for (int from = 0; from < ready.size(); from += MAX_PER_REQUEST) {
                if (!post(uri, ready.subList(from, Math.min(ready.size(), from + MAX_PER_REQUEST)), timeout,
                        confirmed)) {
                    break;
                }
            }
        }
        return outstanding(waiting, confirmed);
    }

    /**
     * A void queued but its charge not refunded: an earlier process died between the two, or the request's refund
     * failed. The charge is refunded now (a no-op if it is already), and then voided.
     */
    private boolean finishRefund(PendingVoid v) throws LedgerUnavailableException {
        try {
            if (ledger.refund(v.receiptId())) {
                LOG.info("Refunded online charge {}, whose void was queued but whose refund was not recorded",
                        v.receiptId());
            }
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("The outbox names online charge {}, which the ledger does not have; dropped", v.receiptId());
            ledger.voidConfirmed(v.receiptId());
            return false;
        }
    }

    /** POSTs one void request; records what the broker confirmed. {@code false} if it failed (backs off). */
    private boolean post(URI uri, List<PendingVoid> voids, Duration timeout, Set<String> confirmed)
            throws LedgerUnavailableException {
        HttpResponse<byte[]> response;
        try {
            response = JosePost.post(http, uri, sign(voids), timeout,
                    ANSWER_BYTES + ANSWER_BYTES_PER_VOID * voids.size());
        } catch (IOException e) {
            return failed("cannot reach the broker at " + uri + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        }
        String body = new String(response.body(), StandardCharsets.UTF_8);
        JsonNode results;
        try {
            results = response.statusCode() == 200 ? JSON.readTree(body).path("results") : null;
        } catch (IOException e) {
            results = null;
        }
        if (results == null || !results.isArray()) {
            return failed("the broker answered " + response.statusCode() + ": " + JosePost.abbreviate(body));
        }
        Map<String, PendingVoid> sent = new HashMap<>();
        voids.forEach(v -> sent.put(v.receiptId(), v));
        for (JsonNode result : results) {
            PendingVoid v = sent.remove(result.path("charge").asText());
            String status = result.path("status").asText();
            if (v == null) {
                continue;
            }
            if (status.equals("voided") || status.equals("unchanged") || status.equals("not_charged")) {
                ledger.voidConfirmed(v.receiptId());
                confirmed.add(v.receiptId());
                LOG.debug("The broker confirmed the void of online charge {}: {}", v.receiptId(), status);
            } else {
                LOG.warn("The broker answered the void of online charge {} with an unknown status: {}",
                        v.receiptId(), result);
            }
        }
        if (failures > 0) {
            LOG.info("Online voids reach the broker again after {} failed attempts", failures);
        }
        failures = 0;
        notBeforeNanos = System.nanoTime();
        return true;
    }

    private boolean failed(String why) {
        int count = ++failures;
        notBeforeNanos = System.nanoTime() + backoffNanos.applyAsLong(count);
        if (count == 1) {
            LOG.warn("Online voids failed: {}; retrying with backoff (logged once until they succeed again)", why);
        } else {
            LOG.debug("Online voids failed again ({} in a row): {}", count, why);
        }
        return false;
    }

    /** The voids still waiting, and the scrip of those queued less than {@link #hold} ago. */
    private Outstanding outstanding(List<PendingVoid> waiting, Set<String> confirmed) {
        long since = System.currentTimeMillis() - hold.toMillis();
        Set<String> held = new HashSet<>();
        Map<String, Integer> counts = new HashMap<>();
        Set<String> stillOverdue = new HashSet<>();
        for (PendingVoid v : waiting) {
            if (confirmed.contains(v.receiptId())) {
                continue;
            }
            counts.merge(v.jti(), 1, Integer::sum);
            if (v.queuedAt().toEpochMilli() > since) {
                held.add(v.jti());
            } else {
                stillOverdue.add(v.receiptId());
                if (!overdue.contains(v.receiptId())) {
                    LOG.warn("The void of online charge {} ({} micro-units on scrip {}) is still not confirmed by the "
                            + "broker after {}; the scrip is claimed without waiting for it", v.receiptId(),
                            v.amountMicros(), v.jti(), hold);
                }
            }
        }
        overdue = stillOverdue;
        recount(counts, waiting.size() - confirmed.size());
        return new Outstanding(held);
    }

    /** The counts {@link #admits} checks, as this pass's read of the outbox has them (less what it confirmed). */
    private void recount(Map<String, Integer> byScrip, int total) {
        pendingByScrip = byScrip;
        pending = total;
    }

    /** The void request as PROTOCOL.md section 7 has it. */
    String sign(List<PendingVoid> voids) {
        ObjectNode claims = SellerKey.claims(sellerId, audience, clock.instant().getEpochSecond(), LIFETIME_SECONDS);
        claims.put("jti", SellerKey.randomId());
        ArrayNode charges = claims.putArray("charges");
        voids.forEach(v -> charges.add(v.receiptId()));
        return key.signJws(TYP, claims);
    }
}
