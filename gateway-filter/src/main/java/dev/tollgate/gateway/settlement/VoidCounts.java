package dev.tollgate.gateway.settlement;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The voids waiting, in all and per scrip, as the admission of an online charge counts them ({@link OnlineVoids}):
 * what the last settlement pass read from the ledger's outbox, plus what this node queued since. Apart from the
 * outbox's sending because the request path reads it on every online charge and must never block or read the ledger.
 * Only the settler's thread reads the outbox ({@link #readStarts}, {@link #readDone}, {@link #recount}); any thread
 * queues and admits. Thread-safe.
 */
final class VoidCounts {

    /** Voids queued since a read of the outbox, per scrip and in all. */
    private static final class Queued {
        final Map<String, Integer> byScrip = new ConcurrentHashMap<>();
        final AtomicInteger total = new AtomicInteger();
    }

    private final int maxPending;
    private final int maxPendingPerScrip;
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

    /** {@code maxPending}: the most voids waiting in all; {@code maxPendingPerScrip}: on one scrip. */
    VoidCounts(int maxPending, int maxPendingPerScrip) {
        this.maxPending = maxPending;
        this.maxPendingPerScrip = maxPendingPerScrip;
    }

    /** Whether fewer voids than the limits wait, in all and on scrip {@code jti}. Never blocks. */
    boolean admits(String jti) {
        Queued queued = queuedSinceRead;
        Queued reading = beingRead;
        return pending + queued.total.get() + reading.total.get() < maxPending
                && pendingByScrip.getOrDefault(jti, 0) + queued.byScrip.getOrDefault(jti, 0)
                        + reading.byScrip.getOrDefault(jti, 0) < maxPendingPerScrip;
    }

    /** A void on scrip {@code jti} is in the outbox now; called after it is, so a read that misses it counts it here. */
    void queued(String jti) {
        Queued queued = queuedSinceRead;
        queued.byScrip.merge(jti, 1, Integer::sum);
        queued.total.incrementAndGet();
    }

    /**
     * A read of the outbox begins: what was queued since the last read stays counted until this read's counts replace
     * it; what is queued from now on counts on top of them (a void queued during the read may count twice, until the
     * next pass).
     */
    void readStarts() {
        beingRead = queuedSinceRead;
        queuedSinceRead = new Queued();
    }

    /** The read found these voids waiting: they replace the counts, and what was queued before the read. */
    void readDone(Map<String, Integer> byScrip, int total) {
        recount(byScrip, total);
        beingRead = new Queued();
    }

    /** The voids waiting now, as the outbox's last read has them (less what the broker confirmed since). */
    void recount(Map<String, Integer> byScrip, int total) {
        pendingByScrip = byScrip;
        pending = total;
    }
}
