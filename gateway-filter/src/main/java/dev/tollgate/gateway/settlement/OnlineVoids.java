package dev.tollgate.gateway.settlement;

import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.PendingVoid;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 * interrupted, has {@link VoidPoster} POST the waiting voids (it takes out of the outbox what the broker confirmed
 * and backs off while the broker does not answer), and returns what is still outstanding. While a void waits, the broker's {@code redeemed} total of its scrip still counts the charge
 * the ledger refunded, so the settler (1) holds the scrip's claims, at most {@link #HOLD} after the void was queued:
 * a claim could raise the broker's total to the ledger's and the void landing after it would take the charge off
 * twice; and (2) records a scrip as settled only up to the broker's total less its voids still waiting and its
 * charges that requests may still refund (and void) when the broker answered, so that a scrip claimed before its
 * void landed is claimed again once it has. Nothing wedges: a void that never lands costs
 * one idempotent claim per pass.
 *
 * <p>One outbox per broker, of the voids of its scrip. Bounds: at most {@value #MAX_PENDING} voids wait per broker
 * and {@value #MAX_PENDING_PER_SCRIP} per scrip; an online
 * charge beyond either is refused before anything is charged (the counts are this node's view, rebuilt from the
 * ledger at every pass, plus what it queued since that read: {@link VoidCounts}). Thread-safe.
 */
public final class OnlineVoids {

    /** Most voids waiting per broker; beyond, online charges on its scrip are refused (503) before any is charged. */
    public static final int MAX_PENDING = 10_000;
    /** Most voids waiting per scrip; beyond, online charges on it are refused (503) before anything is charged. */
    public static final int MAX_PENDING_PER_SCRIP = 16;
    /** The longest a scrip with a void still waiting is kept out of claims. */
    static final Duration HOLD = Duration.ofMinutes(10);
    /**
     * A void queued by this process whose charge is not refunded yet is left to its request this long (its refund
     * waits at most the ledger's wait timeout); then the settler refunds it.
     */
    static final Duration REFUND_GRACE = Duration.ofMinutes(1);

    /**
     * What {@link #send} left waiting.
     *
     * @param held the jtis of the scrip whose claims wait: a void of theirs was queued less than {@link #HOLD} ago
     */
    record Outstanding(Set<String> held) {
        static final Outstanding NONE = new Outstanding(Set.of());
    }

    private static final Logger LOG = LoggerFactory.getLogger(OnlineVoids.class);

    private final Ledger ledger;
    private final Runnable wakeSettler;
    private final VoidCounts counts = new VoidCounts(MAX_PENDING, MAX_PENDING_PER_SCRIP);
    private final VoidPoster poster;
    /** The broker's issuer: only the voids of its scrip are this outbox's. */
    private final String audience;
    private volatile Duration hold;
    /** Receipts whose long wait was logged; only the settler thread touches it. */
    private Set<String> overdue = new HashSet<>();
    /** Voids queued up to now were queued by an earlier process. */
    private final long startedMillis = System.currentTimeMillis();

    OnlineVoids(Ledger ledger, SellerKey key, String sellerId, String audience, Clock clock, HttpClient http,
                Runnable wakeSettler, IntToLongFunction backoffNanos, Duration hold) {
        this.ledger = Objects.requireNonNull(ledger);
        this.poster = new VoidPoster(ledger, key, sellerId, audience, clock, http, backoffNanos);
        this.audience = Objects.requireNonNull(audience);
        this.wakeSettler = Objects.requireNonNull(wakeSettler);
        this.hold = Objects.requireNonNull(hold);
    }

    /**
     * Where online charges are POSTed ({@code broker.charge-url}, live on reload): voids go to the same path plus
     * {@code /void}.
     */
    public void chargeUri(URI chargeUri) {
        poster.chargeUri(chargeUri);
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
        return counts.admits(jti);
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
        counts.queued(jti); // after the void is in the outbox: a read that misses it finds it here
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
        counts.readStarts();
        List<PendingVoid> waiting = ledger.pendingVoids(audience, MAX_PENDING);
        Map<String, Integer> read = new HashMap<>();
        waiting.forEach(v -> read.merge(v.jti(), 1, Integer::sum));
        counts.readDone(read, waiting.size());
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
        return outstanding(waiting, poster.send(ready, timeout));
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

    /** The voids still waiting, and the scrip of those queued less than {@link #hold} ago. */
    private Outstanding outstanding(List<PendingVoid> waiting, Set<String> confirmed) {
        long since = System.currentTimeMillis() - hold.toMillis();
        Set<String> held = new HashSet<>();
        Map<String, Integer> byScrip = new HashMap<>();
        Set<String> stillOverdue = new HashSet<>();
        for (PendingVoid v : waiting) {
            if (confirmed.contains(v.receiptId())) {
                continue;
            }
            byScrip.merge(v.jti(), 1, Integer::sum);
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
        counts.recount(byScrip, waiting.size() - confirmed.size());
        return new Outstanding(held);
    }
}
