package dev.tollgate.gateway.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway node's side of the budget leases in Redis (docs/CLUSTER.md): lease, release and retire, each one
 * atomic Lua script on the scrip's hash, over the node's own Lettuce connection. Every operation carries a sequence
 * number above the node's earlier ones, so a command delivered late or twice changes nothing. Every call fails
 * closed with {@link LeaseUnavailableException} within {@link LeaseSettings#callTimeout()}; the connection comes back
 * by itself when Redis does. Thread-safe.
 */
public final class BudgetLeases implements AutoCloseable {

    /** The largest amount a lease handles: Lua's numbers are exact up to 2^53. */
    public static final long MAX_MICROS = (1L << 53) - 1;
    /** The consumption a first lease reports to keep what Redis recorded for the node. */
    static final long KEEP_USED = -1;

    private static final Logger LOG = LoggerFactory.getLogger(BudgetLeases.class);

    private final String node;
    private final LeaseSettings settings;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> redis;
    private final String nodeSetKey;
    /** The next sequence number; each process starts above every number an earlier process of the node used. */
    private final AtomicLong sequence;
    private final AtomicLong lostMicros = new AtomicLong();

    private BudgetLeases(String node, LeaseSettings settings, ClientResources resources, RedisClient client,
                         StatefulRedisConnection<String, String> connection, long firstSequence) {
        this.sequence = new AtomicLong(firstSequence);
        this.node = node;
        this.settings = settings;
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.redis = connection.async();
        this.nodeSetKey = "tollgate:{node:" + node + "}:scrip";
    }

    /**
     * Connects to Redis as {@code node}: its own client and connection, commands rejected at once while
     * disconnected, none replayed after a reconnect (their callers have given up).
     *
     * @param node the node's id, one process at a time (in cluster mode, its ledger's {@code db_id})
     * @throws LeaseUnavailableException if Redis cannot be reached now
     */
    public static BudgetLeases connect(RedisURI uri, String node, LeaseSettings settings)
            throws LeaseUnavailableException {
        return connect(uri, node, settings, System.currentTimeMillis() * 1000);
    }

    /** Connects with the sequence numbers starting at {@code firstSequence} (tests: a clock that went back). */
    static BudgetLeases connect(RedisURI uri, String node, LeaseSettings settings, long firstSequence)
            throws LeaseUnavailableException {
        Objects.requireNonNull(uri, "uri cannot be null.");
        Objects.requireNonNull(settings, "settings cannot be null.");
        if (node == null || node.isEmpty() || node.contains("}")) {
            throw new IllegalArgumentException("node must be a non-empty id without '}': " + node);
        }
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), settings.maxReconnectDelay(), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .replayFilter(command -> true)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .build());
        try {
            return new BudgetLeases(node, settings, resources, client, client.connect(), firstSequence);
        } catch (RedisException e) {
            client.shutdown();
            resources.shutdown();
            throw new LeaseUnavailableException("cannot connect to Redis at " + uri.getHost() + ":" + uri.getPort()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The node's id. */
    public String node() {
        return node;
    }

    /**
     * What Redis had forgotten of this node's holdings, and its operations put back, since it connected: above 0
     * only if Redis lost acknowledged writes (docs/CLUSTER.md "Redis settings"). Each loss is logged as an error.
     */
    public long lostMicros() {
        return lostMicros.get();
    }

    /** What this node was configured with. */
    public LeaseSettings settings() {
        return settings;
    }

    /**
     * Reports what the node consumed on the scrip, raises what it holds to {@code targetMicros} as far as the free
     * budget allows, and renews its lease. The first lease of a scrip records {@code budgetMicros}.
     *
     * @param usedMicros what the node has charged or may still charge on the scrip, at most what it holds
     * @param believedHeldMicros what the node was last told it holds ({@link Lease#heldMicros()}), 0 if nothing
     * @throws LeaseUnavailableException if Redis does not answer in time, or replicas do not acknowledge a grant
     */
    public Lease lease(ScripId scrip, long budgetMicros, Instant expiresAt, long usedMicros, long believedHeldMicros,
                       long targetMicros) throws LeaseUnavailableException {
        return await(leaseAsync(scrip, budgetMicros, expiresAt, usedMicros, believedHeldMicros, targetMicros),
                "lease", scrip);
    }

    /**
     * Ends the node's lease on the scrip: records {@code usedMicros} as its final consumption and hands back what
     * it held beyond. The node must have stopped charging the slice first.
     */
    public Lease release(ScripId scrip, long usedMicros, long believedHeldMicros) throws LeaseUnavailableException {
        return await(releaseAsync(scrip, usedMicros, believedHeldMicros), "release", scrip);
    }

    /**
     * Retires {@code retiredNode} from the scrip once its lease has expired: what it held beyond what it reported
     * returns, and it may not lease or report on this scrip again ({@link Lease.Status#LIVE} if its lease has not
     * expired). For an operator, about a node that will not come back.
     */
    public Lease retire(ScripId scrip, String retiredNode) throws LeaseUnavailableException {
        CompletableFuture<Lease> retired = LeaseScripts.RETIRE.run(redis, scrip, retiredNode)
                .thenCompose(lease -> lease.status() == Lease.Status.OK || lease.status() == Lease.Status.GONE
                        ? redis.srem("tollgate:{node:" + retiredNode + "}:scrip", scrip.key()).toCompletableFuture()
                                .thenApply(removed -> lease)
                        : CompletableFuture.completedFuture(lease));
        return await(retired, "retire", scrip);
    }

    /** The scrip this node leased and has not released: what a restart must release from its journal. */
    public List<ScripId> leasedScrip() throws LeaseUnavailableException {
        List<ScripId> scrip = new ArrayList<>();
        for (String key : await(redis.smembers(nodeSetKey).toCompletableFuture(), "list leases", null)) {
            scrip.add(ScripId.fromKey(key));
        }
        return scrip;
    }

    /** The scrip's budget and each node's lease as Redis records them. */
    public BudgetStatus status(ScripId scrip) throws LeaseUnavailableException {
        CompletableFuture<List<String>> time = redis.time().toCompletableFuture();
        return await(redis.hgetall(scrip.key()).toCompletableFuture().thenCombine(time,
                (hash, now) -> BudgetStatus.fromHash(hash,
                        Long.parseLong(now.get(0)) * 1000 + Long.parseLong(now.get(1)) / 1000)), "read", scrip);
    }

    CompletableFuture<Lease> leaseAsync(ScripId scrip, long budgetMicros, Instant expiresAt, long usedMicros,
                                        long believedHeldMicros, long targetMicros) {
        requireMicros(budgetMicros, "budget");
        requireMicros(believedHeldMicros, "believed held");
        requireMicros(targetMicros, "target");
        if (usedMicros != KEEP_USED) {
            requireMicros(usedMicros, "used");
        }
        if (usedMicros > believedHeldMicros) {
            throw new IllegalArgumentException("used " + usedMicros + " exceeds held " + believedHeldMicros);
        }
        String retainUntil = Long.toString(expiresAt.plus(settings.retention()).toEpochMilli());
        String ttl = Long.toString(settings.ttl().toMillis());
        // The node set first, on the same connection: it lists the scrip before Redis can hold anything for it.
        CompletableFuture<Long> listed = redis.sadd(nodeSetKey, scrip.key()).toCompletableFuture();
        return listed.thenCompose(added -> sequenced(seq -> LeaseScripts.LEASE.run(redis, scrip, node, seq,
                        Long.toString(budgetMicros), retainUntil, Long.toString(usedMicros),
                        Long.toString(believedHeldMicros), Long.toString(targetMicros), ttl)))
                .thenCompose(lease -> awaitReplicas(lease, believedHeldMicros));
    }

    CompletableFuture<Lease> releaseAsync(ScripId scrip, long usedMicros, long believedHeldMicros) {
        requireMicros(usedMicros, "used");
        requireMicros(believedHeldMicros, "believed held");
        return sequenced(seq -> LeaseScripts.RELEASE.run(redis, scrip, node, seq, Long.toString(usedMicros),
                Long.toString(believedHeldMicros)))
                .thenCompose(lease -> lease.status() == Lease.Status.OK || lease.status() == Lease.Status.GONE
                        ? redis.srem(nodeSetKey, scrip.key()).toCompletableFuture().thenApply(removed -> lease)
                        : CompletableFuture.completedFuture(lease));
    }

    /**
     * Runs an operation with the next sequence number. If Redis has applied a higher number than this process ever
     * issued, an earlier process of this node did (its clock was ahead of ours): move past it and run once more.
     */
    private CompletableFuture<Lease> sequenced(java.util.function.Function<String, CompletableFuture<Lease>> op) {
        long issued = sequence.getAndIncrement();
        return op.apply(Long.toString(issued)).thenApply(this::noteLoss).thenCompose(lease -> {
            if (lease.status() != Lease.Status.STALE || lease.lastSequence() < sequence.get()) {
                return CompletableFuture.completedFuture(lease);
            }
            LOG.info("node {}: Redis has sequence number {} from an earlier run, above this run's {}; moving past it",
                    node, lease.lastSequence(), issued);
            sequence.accumulateAndGet(lease.lastSequence() + 1, Math::max);
            return op.apply(Long.toString(sequence.getAndIncrement())).thenApply(this::noteLoss);
        });
    }

    private Lease noteLoss(Lease lease) {
        if (lease.lostMicros() > 0) {
            lostMicros.addAndGet(lease.lostMicros());
            LOG.error("node {}: Redis had lost {} micro-units this node held (now put back; {} free): acknowledged "
                    + "writes were lost, check appendfsync and replication (docs/CLUSTER.md)", node,
                    lease.lostMicros(), lease.freeMicros());
        }
        return lease;
    }

    /**
     * With {@code waitReplicas}, the node learns that it holds more only once that many replicas have it: after any
     * lease that answers more than the node believed, not only one that granted (an earlier grant may be the one
     * no replica acknowledged). Replication is in order, so one {@code WAIT} covers every earlier write.
     */
    private CompletableFuture<Lease> awaitReplicas(Lease lease, long believedHeldMicros) {
        int wanted = settings.waitReplicas();
        if (wanted == 0 || lease.heldMicros() <= believedHeldMicros || lease.status() != Lease.Status.OK) {
            return CompletableFuture.completedFuture(lease);
        }
        long waitMillis = Math.max(1, settings.commandTimeout().toMillis() / 2); // Redis answers before we give up
        return redis.waitForReplication(wanted, waitMillis).toCompletableFuture()
                .thenCompose(acknowledged -> acknowledged >= wanted
                        ? CompletableFuture.completedFuture(lease)
                        : CompletableFuture.failedFuture(new LeaseUnavailableException("only " + acknowledged
                                + " of " + wanted + " Redis replicas acknowledged a grant of " + lease.heldMicros()
                                + " micro-units in all within " + waitMillis + " ms")));
    }

    private <T> T await(CompletableFuture<T> future, String what, ScripId scrip) throws LeaseUnavailableException {
        return call(future, scrip == null ? what : what + " of scrip " + scrip.jti());
    }

    /** The node's commands, for the other state it keeps in Redis on this connection (streams, chains, states). */
    RedisAsyncCommands<String, String> commands() {
        return redis;
    }

    /**
     * Waits for a command of this node's connection within {@link LeaseSettings#callTimeout()}.
     *
     * @param subject what the command does, for the message of a failure
     * @throws LeaseUnavailableException if Redis failed it or did not answer in time
     */
    <T> T call(CompletableFuture<T> future, String subject) throws LeaseUnavailableException {
        try {
            return future.get(settings.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new LeaseUnavailableException("Redis did not answer the " + subject + " within "
                    + settings.callTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseUnavailableException("interrupted waiting for the " + subject, e);
        } catch (ExecutionException e) {
            throw unavailable(subject, e.getCause());
        }
    }

    /** The exception a failed future means to a caller: why Redis could not be used. */
    static LeaseUnavailableException unavailable(String what, Throwable failure) {
        Throwable cause = RedisScript.unwrap(failure);
        if (cause instanceof LeaseUnavailableException unavailable) {
            return unavailable;
        }
        if (cause instanceof RedisCommandTimeoutException) {
            return new LeaseUnavailableException("Redis did not answer the " + what + " in time", cause);
        }
        return new LeaseUnavailableException("Redis failed the " + what + ": " + cause.getMessage(), cause);
    }

    private static void requireMicros(long value, String name) {
        if (value < 0 || value > MAX_MICROS) {
            throw new IllegalArgumentException(name + " must be between 0 and 2^53 - 1 micro-units: " + value);
        }
    }

    /** Closes the connection and the client's threads. Leases are not released: {@link NodeSlices#close()} does. */
    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
