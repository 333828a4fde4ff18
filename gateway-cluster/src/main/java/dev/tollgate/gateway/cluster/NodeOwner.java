package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import io.lettuce.core.ScriptOutputType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process per node id in the cluster (docs/CLUSTER.md, "One process per node id"): a node's id is its ledger
 * file's {@code db_id}, and two nodes started on copies of one ledger file (a copied data dir, a cloned disk) would
 * share it, each overwriting the other's reports in Redis. So a node holds its id in Redis, {@code
 * tollgate:{node:<id>}:owner}, under a lease it renews ({@link #LEASE}); a node whose id another live process holds
 * does not start, and one that finds its id taken while it runs charges nothing more ({@link #checkHeld()}).
 *
 * <p>Redis expires the hold by its own clock whether the node hears of it or not, so a node cut off from Redis counts
 * its hold as lapsed once {@link #HELD} has passed, on its own monotonic clock, since it <em>sent</em> its last
 * claim or renewal that Redis answered: from then on it charges nothing from its slices until a renewal is answered
 * again (a copy of its ledger file elsewhere could have taken the id and be recovering the same slices).
 *
 * <p>The value names the holder's host and ledger file, so a node restarted after a crash on the same file takes its
 * dead predecessor's hold at once (the file's lock says the predecessor is gone); from another place it waits for the
 * lease to end. Thread-safe.
 */
final class NodeOwner {

    /** How long a hold lasts without renewal: how long a node moved to another host waits at its start. */
    static final Duration LEASE = Duration.ofSeconds(10);
    /** How often the hold is renewed: well within the lease, so a slow Redis answer does not lose it. */
    static final Duration RENEWAL = Duration.ofSeconds(2);
    /**
     * How long after sending its last answered claim or renewal the node counts its hold as live: 80 % of the lease,
     * as slices use 80 % of theirs, so the node stops before Redis's clock, running up to a fifth faster, ends it.
     */
    static final Duration HELD = LEASE.dividedBy(5).multipliedBy(4);
    /** The holder's token, in hex digits, before a space and its place. */
    private static final int TOKEN_HEX = 32;
    private static final Logger LOG = LoggerFactory.getLogger(NodeOwner.class);
    private static final RedisScript CLAIM = new RedisScript("owner-claim.lua");
    private static final RedisScript RENEW = new RedisScript("owner-renew.lua");
    private static final RedisScript DROP = new RedisScript("claim-drop.lua");

    private final BudgetLeases redis;
    private final String key;
    private final String value;
    private final LongSupplier nanoTime;
    /** Why this process no longer holds its id, until it restarts; {@code null} while it does. */
    private volatile String lost;
    /** The node's monotonic clock, {@link #nanoTime}, past which the hold may have lapsed in Redis. */
    private volatile long heldUntilNanos;

    private NodeOwner(BudgetLeases redis, String key, String value, LongSupplier nanoTime) {
        this.redis = redis;
        this.key = key;
        this.value = value;
        this.nanoTime = nanoTime;
    }

    /**
     * Takes this node's id for this process, waiting up to a lease for a hold from another place to end.
     *
     * @throws IllegalStateException if another live process holds the id: a copy of this node's ledger file
     * @throws LedgerUnavailableException if Redis cannot be asked
     */
    static NodeOwner claim(BudgetLeases redis, Path ledgerFile, LongSupplier nanoTime)
            throws LedgerUnavailableException {
        byte[] token = new byte[TOKEN_HEX / 2];
        new SecureRandom().nextBytes(token);
        NodeOwner owner = new NodeOwner(redis, key(redis.node()),
                HexFormat.of().formatHex(token) + ' ' + host() + ':' + ledgerFile.toAbsolutePath().normalize(),
                nanoTime);
        long deadline = System.nanoTime() + LEASE.plus(RENEWAL).toNanos();
        try {
            while (true) {
                long sent = nanoTime.getAsLong();
                String holder = redis.call(CLAIM.<String>run(redis.commands(), ScriptOutputType.VALUE,
                        new String[] {owner.key}, owner.value, Long.toString(LEASE.toMillis())), "node id's owner");
                if (holder.isEmpty()) {
                    owner.heldUntilNanos = sent + HELD.toNanos();
                    return owner;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("node id " + redis.node() + " (the db_id of " + ledgerFile
                            + ") is held in Redis by another running node, at " + holder.substring(TOKEN_HEX + 1)
                            + ": its ledger file is a copy of this one. Give every node its own new ledger file "
                            + "(docs/CLUSTER.md, \"One process per node id\")");
                }
                TimeUnit.MILLISECONDS.sleep(200); // the hold of a node gone from another place ends within a lease
            }
        } catch (LeaseUnavailableException e) {
            throw RedisLedger.unavailable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted taking the node id in Redis", e);
        }
    }

    /**
     * Renews the hold (the sweeper, every {@link #RENEWAL}). If another process holds the id, or the hold is gone from
     * Redis (lapsed, or the node retired), this node charges nothing more until it restarts: it never takes a lost
     * hold back while it runs, as its slices may have been handed back meanwhile. While Redis cannot be asked, the hold's deadline stays where the last answered renewal put it: past it,
     * {@link #checkHeld()} refuses charges, and a copy could take the id only once Redis's lease ended, which the
     * next answered renewal finds.
     */
    void renew() {
        if (lost != null) {
            return;
        }
        try {
            long sent = nanoTime.getAsLong();
            Long held = redis.call(RENEW.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {key},
                    value, Long.toString(LEASE.toMillis())), "node id's owner");
            if (held == 0) {
                lost = "node id " + redis.node() + " is held by another node (a copy of this node's ledger file): "
                        + "this node charges nothing";
                LOG.error("node {}: another running node holds this node id in Redis: one of the two runs on a copy of "
                        + "the other's ledger file. This node charges nothing more (503); give every node its own "
                        + "new ledger file (docs/CLUSTER.md, \"One process per node id\")", redis.node());
            } else if (held == 2) {
                lost = "node " + redis.node() + " lost its hold on its node id in Redis (it lapsed while the node was "
                        + "cut off, or the node was retired): it charges nothing until it restarts";
                LOG.error("node {}: its hold on its node id is gone from Redis (it lapsed while the node could not renew "
                        + "it, or an operator retired the node), so its slices may have been handed back meanwhile. "
                        + "This node charges nothing more (503) until it restarts and takes its id again "
                        + "(docs/CLUSTER.md, \"One process per node id\")", redis.node());
            } else if (sent - heldUntilNanos + HELD.toNanos() > 0) { // only forward: renewals may overtake
                heldUntilNanos = sent + HELD.toNanos();
            }
        } catch (LeaseUnavailableException e) {
            LOG.debug("node {}: could not renew its hold on its node id: {}", redis.node(), e.getMessage());
        }
    }

    /**
     * Lets a charge through only while this process surely holds the node id: not taken by another, and an answered
     * claim or renewal sent less than {@link #HELD} ago. Two volatile reads and the clock.
     *
     * @throws LedgerUnavailableException if not (503 {@code ledger_unavailable}): taken or gone, until the node
     *     restarts;
     *     possibly lapsed, until a renewal is answered
     */
    void checkHeld() throws LedgerUnavailableException {
        String why = lost;
        if (why != null) {
            throw new LedgerUnavailableException(why);
        }
        if (nanoTime.getAsLong() - heldUntilNanos >= 0) {
            throw new LedgerUnavailableException("node " + redis.node() + " has not renewed its hold on its node id "
                    + "in Redis for " + HELD.toSeconds() + " s, so the hold may have lapsed: it charges nothing until "
                    + "Redis answers again");
        }
    }

    /** Where the process holding {@code node}'s id runs, {@code <host>:<ledger file>}; empty if none holds it. */
    static Optional<String> holder(BudgetLeases redis, String node) throws LeaseUnavailableException {
        String held = redis.call(redis.commands().get(key(node)).toCompletableFuture(), "node id's owner");
        return held == null ? Optional.empty() : Optional.of(held.substring(Math.min(TOKEN_HEX + 1, held.length())));
    }

    private static String key(String node) {
        return "tollgate:{node:" + node + "}:owner";
    }

    /** Gives the hold up at shutdown, so the next process on this ledger file, from anywhere, starts at once. */
    void release() {
        try {
            redis.call(DROP.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {key}, value),
                    "node id's owner");
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not give up its node id in Redis ({}); it ends within {} s", redis.node(),
                    e.getMessage(), LEASE.toSeconds());
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env == null ? "unknown-host" : env;
        }
    }
}
