package dev.tollgate.gateway.cluster;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stream entitlements cluster-wide (docs/CLUSTER.md "Stream entitlements"): one claim in Redis per buyer, stream and
 * window, so an entitlement bought on one node is honoured on every node, and two nodes never both charge for it.
 *
 * <p>The first node to need it claims the key with {@code SET NX PX} (a pending value naming the node), charges on its
 * own ledger, then sets the claim to the receipt until the window's end (compare-and-set); a charge that fails or is
 * refused deletes the pending claim (compare-and-delete). A node that finds its own claim caches it until its end;
 * another node's, for at most {@link #RECHECK} (a refund on the buying node deletes the claim, and no node honours it
 * longer than that after), so a stream costs a round trip per node every 30 s at most, not one per click; one that
 * finds it pending waits for it, polling,
 * until it is set or has expired (a pending claim lives 10 s, or twice {@link LeaseSettings#callTimeout()} if
 * longer). Concurrent requests of one stream on a node take one striped lock, so they make one claim. Thread-safe.
 */
final class StreamClaims {

    /** Who is entitled to what: a buyer of one issuer, to one stream. */
    record Key(String issuer, String buyer, String stream) {

        /**
         * {@code tollgate:{buyer:<issuer length>:<issuer>:<buyer length>:<buyer>}:stream:<stream>}: every claim of one
         * buyer in one slot of a Redis Cluster. The lengths make the key one-to-one: a broker's buyer id containing
         * {@code }:stream:} cannot name another buyer's stream.
         */
        String redisKey() {
            return "tollgate:{buyer:" + issuer.length() + ':' + issuer + ':' + buyer.length() + ':' + buyer
                    + "}:stream:" + stream;
        }
    }

    /**
     * What a claim found in Redis means to this node. {@code receiptId} is {@code null} while it is pending. Another
     * node's claim keeps what scrip {@code jti} had left when this node read the claim, for the receipts of hits on a
     * node that holds no slice of that scrip. A cached claim is honoured until {@code recheckMillis}, then read again.
     */
    record Claim(String value, long untilMillis, String receiptId, boolean mine, String jti, long remainingMicros,
                 long recheckMillis) {

        boolean honouredAt(long nowMillis) {
            return untilMillis > nowMillis && recheckMillis > nowMillis;
        }

        Instant until() {
            return Instant.ofEpochMilli(untilMillis);
        }
    }

    /** This node's side of one request for a stream, on the scrip it presents. */
    interface Node {
        /** Charges: reserves in the node's slice and records the charge (and entitlement) in its ledger. */
        ChargeResult buy() throws LedgerUnavailableException;

        /** This node's own entitlement in its ledger, or a refusal; records nothing. */
        ChargeResult own() throws LedgerUnavailableException;

        /** The presented scrip's jti. */
        String jti();

        /** What the scrip has left as this node's slice knows it, without Redis; negative without a slice. */
        long reachable();

        /** What the scrip has left, from Redis if the node holds no slice of it. */
        long remaining() throws LedgerUnavailableException;
    }

    /** Claims cached by this node; each entry is a key, a value and a few numbers: about 300 bytes. */
    static final int CAPACITY = 65_536;
    /** How long another node's claim is honoured from this node's cache before Redis is read again. */
    static final Duration RECHECK = Duration.ofSeconds(30);
    private static final int STRIPES = 256;
    private static final Logger LOG = LoggerFactory.getLogger(StreamClaims.class);
    private static final RedisScript SETTLE = new RedisScript("claim-settle.lua");
    private static final RedisScript DROP = new RedisScript("claim-drop.lua");

    private final BudgetLeases redis;
    private final String receiptPrefix;
    /** How long a pending claim lives: a node killed while it buys blocks the stream for no longer. */
    private final Duration pendingTtl;
    private final long waitNanos;
    private final Cache<Key, Claim> cache = Caffeine.newBuilder().maximumSize(CAPACITY).executor(Runnable::run).build();
    /** The claims this node set, by receipt: what a refund deletes. */
    private final Cache<String, Key> bought = Caffeine.newBuilder().maximumSize(CAPACITY).executor(Runnable::run)
            .build();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final AtomicLong attempts = new AtomicLong();

    StreamClaims(BudgetLeases redis) {
        this.redis = redis;
        this.receiptPrefix = "r-" + redis.node() + "-";
        this.pendingTtl = PendingWait.lifetime(redis.settings());
        this.waitNanos = pendingTtl.toNanos();
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /**
     * The entitlement to {@code key}'s stream held anywhere in the cluster, or else this node's purchase of it until
     * {@code until} (if {@code buys}), or else this node's own answer.
     *
     * @throws LeaseUnavailableException Redis was needed and could not be asked
     * @throws LedgerUnavailableException the node's ledger failed, or another node's purchase did not end in time
     *     ({@link LedgerUnavailableException#budgetBusy()})
     */
    ChargeResult chargeStream(Key key, Instant now, Instant until, boolean buys, Node node)
            throws LeaseUnavailableException, LedgerUnavailableException {
        long nowMillis = now.toEpochMilli();
        Claim held = cache.getIfPresent(key);
        if (held != null && held.honouredAt(nowMillis)) {
            ChargeResult hit = honour(key, held, node, false);
            if (hit != null) {
                return hit;
            }
        }
        ReentrantLock stripe = stripes[(key.hashCode() ^ (key.hashCode() >>> 16)) & (STRIPES - 1)];
        acquire(stripe);
        try {
            held = cache.getIfPresent(key);
            if (held != null && held.honouredAt(nowMillis)) {
                ChargeResult hit = honour(key, held, node, false);
                if (hit != null) {
                    return hit;
                }
            }
            return claim(key, nowMillis, until.toEpochMilli(), buys, node);
        } finally {
            stripe.unlock();
        }
    }

    /** Reads or takes the claim in Redis; waits while another node buys. Caller holds the key's stripe. */
    private ChargeResult claim(Key key, long nowMillis, long untilMillis, boolean buys, Node node)
            throws LeaseUnavailableException, LedgerUnavailableException {
        PendingWait wait = new PendingWait(pendingTtl);
        while (true) {
            String pending = buys ? "p " + untilMillis + ' ' + redis.node() + ' ' + attempts.incrementAndGet() : null;
            long ttl = Math.max(1, Math.min(pendingTtl.toMillis(), untilMillis - System.currentTimeMillis()));
            String found = redis.call((buys ? redis.commands().setGet(key.redisKey(), pending,
                    SetArgs.Builder.nx().px(ttl)) : redis.commands().get(key.redisKey())).toCompletableFuture(),
                    "stream claim");
            if (found == null) {
                return buys ? buy(key, pending, untilMillis, node) : node.own();
            }
            Claim claim = parse(found);
            if (claim.receiptId() != null) {
                ChargeResult hit = honour(key, claim, node, true);
                if (hit != null) {
                    cache.put(key, claim.mine() ? claim : new Claim(claim.value(), claim.untilMillis(),
                            claim.receiptId(), false, node.jti(), hit.remainingMicros(),
                            Math.min(claim.untilMillis(), nowMillis + RECHECK.toMillis())));
                    return hit;
                }
                // This node's claim, but its ledger holds no entitlement: refunded, and the claim not deleted then.
                drop(key, found);
            } else {
                wait.pause("the stream is being bought on another node");
            }
        }
    }

    /**
     * An entitlement held: another node's passes here; this node's is its ledger's (which marks it used). A hit on a
     * cached claim asks Redis nothing unless the buyer presents other scrip than when the claim was read, on a node
     * without a slice of it.
     */
    private ChargeResult honour(Key key, Claim claim, Node node, boolean fresh) throws LedgerUnavailableException {
        if (!claim.mine()) {
            long remaining = node.reachable();
            if (remaining < 0) {
                remaining = !fresh && node.jti().equals(claim.jti()) ? claim.remainingMicros() : node.remaining();
            }
            return new ChargeResult.Entitled(claim.receiptId(), claim.until(), remaining);
        }
        if (node.own() instanceof ChargeResult.Entitled entitled) {
            return entitled;
        }
        cache.asMap().remove(key, claim);
        return null;
    }

    /** Charges on this node under the pending claim, then sets the claim to the receipt, or deletes it. */
    private ChargeResult buy(Key key, String pending, long untilMillis, Node node)
            throws LedgerUnavailableException {
        ChargeResult result;
        try {
            result = node.buy();
        } catch (LedgerUnavailableException | RuntimeException e) {
            dropQuietly(key, pending);
            throw e;
        }
        String receipt;
        long end;
        if (result instanceof ChargeResult.Charged charged) {
            receipt = charged.receiptId();
            end = untilMillis;
        } else if (result instanceof ChargeResult.Entitled entitled) { // this node's, which Redis had forgotten
            receipt = entitled.receiptId();
            end = entitled.until().toEpochMilli();
        } else {
            dropQuietly(key, pending);
            return result;
        }
        String value = "e " + end + ' ' + receipt;
        try {
            Long set = redis.call(SETTLE.<Long>run(redis.commands(), ScriptOutputType.INTEGER,
                    new String[] {key.redisKey()}, pending, value, Long.toString(end)), "stream claim");
            if (set == 0) {
                LOG.warn("node {}: the claim of a stream expired while this node charged it (receipt {}); another "
                        + "node may charge the buyer again for it", redis.node(), receipt);
            }
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not record receipt {} in its stream claim ({}); the pending claim expires within "
                    + "{} s, then another node may charge the buyer again for it", redis.node(), receipt,
                    e.getMessage(), pendingTtl.toSeconds());
        }
        cache.put(key, new Claim(value, end, receipt, true, null, 0, end));
        bought.put(receipt, key);
        return result;
    }

    /**
     * The charge of {@code receiptId} was refunded: if it bought a claim this node set, the claim is deleted, so the
     * next request buys again. Another node that cached it honours it for at most {@link #RECHECK} more (the
     * seller's loss, never the buyer's).
     */
    void refunded(String receiptId) {
        Key key = bought.getIfPresent(receiptId);
        if (key == null) {
            return;
        }
        bought.invalidate(receiptId);
        Claim claim = cache.getIfPresent(key);
        if (claim != null && receiptId.equals(claim.receiptId())) {
            cache.asMap().remove(key, claim);
            dropQuietly(key, claim.value());
        }
    }

    private void drop(Key key, String value) throws LeaseUnavailableException {
        redis.call(DROP.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {key.redisKey()}, value),
                "stream claim");
    }

    private void dropQuietly(Key key, String value) {
        try {
            drop(key, value);
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not delete a stream claim ({}); it ends by itself", redis.node(), e.getMessage());
        }
    }

    /** A claim's value: {@code e <until ms> <receipt>} or, while its node charges, {@code p <until ms> <node> <n>}. */
    private Claim parse(String value) throws LeaseUnavailableException {
        String[] parts = value.split(" ");
        if (parts.length < 3 || !(parts[0].equals("e") || parts[0].equals("p"))) {
            throw new LeaseUnavailableException("Redis holds a stream claim this gateway did not write: " + value);
        }
        long until;
        try {
            until = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw new LeaseUnavailableException("Redis holds a stream claim this gateway did not write: " + value, e);
        }
        boolean entitled = parts[0].equals("e");
        return new Claim(value, until, entitled ? parts[2] : null, entitled && parts[2].startsWith(receiptPrefix),
                null, 0, until);
    }

    private void acquire(ReentrantLock stripe) throws LedgerUnavailableException {
        try {
            if (!stripe.tryLock(2 * waitNanos, TimeUnit.NANOSECONDS)) {
                throw LedgerUnavailableException.budgetBusy("the stream is being bought on this node");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted waiting for a stream claim", e);
        }
    }
}
