package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import dev.tollgate.gateway.ledger.ChainTotal;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.Ledger;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.OneUseValues;
import dev.tollgate.gateway.ledger.PendingVoid;
import dev.tollgate.gateway.ledger.Sales;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.ScripTotal;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's ledger in cluster mode (docs/CLUSTER.md, "How it plugs into the Ledger SPI"): every scrip charge first
 * reserves its amount in the node's slice of the scrip's budget ({@link NodeSlices}: memory only, Redis only to
 * refill), then is recorded in the node's own {@link SqliteLedger} as ever (journal, receipts, refunds, settlement).
 * The sum charged on a scrip over all nodes never exceeds its budget. Stream entitlements are claimed in Redis
 * ({@link StreamClaims}), so one bought on any node is honoured on every node, and PayWord chain heads live in Redis
 * ({@link ChainHeads}), so each word pays once whichever node it reaches. A charge under an x402 payment identifier
 * claims the identifier in Redis first ({@link PaymentClaims}), so a replay is answered as one on every node. The
 * browser flow's one-use states are keys in Redis ({@link RedisOneUseValues}). Thread-safe.
 *
 * <p>A sweeper thread hands back slices idle for {@link #IDLE} and renews the node's hold on its id
 * ({@link NodeOwner}); {@link #close()} hands back every slice, and opening takes the node id, then hands back what the
 * node's previous run held, from its journal, before any charge.
 */
public final class RedisLedger implements Ledger {

    /** A slice no charge drew on for this long is handed back. */
    static final Duration IDLE = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(RedisLedger.class);
    /** A probe that no budget covers: the embedded ledger refuses it and records nothing (Ledger's contract). */
    private static final long NO_BUDGET_COVERS = Long.MAX_VALUE;

    private final SqliteLedger node;
    private final BudgetLeases leases;
    private final NodeSlices slices;
    private final StreamClaims streams;
    private final ClusterChains chains;
    private final RedisOneUseValues oneUse;
    private final PaymentClaims payments;
    private final NodeOwner owner;
    private final ScheduledExecutorService sweeper;

    private RedisLedger(SqliteLedger node, BudgetLeases leases, NodeSlices slices, NodeOwner owner) {
        this.node = node;
        this.owner = owner;
        this.leases = leases;
        this.slices = slices;
        this.streams = new StreamClaims(leases);
        this.chains = new ClusterChains(node, new ChainHeads(leases));
        this.oneUse = new RedisOneUseValues(leases);
        this.payments = new PaymentClaims(leases);
        // Two threads: a long run of releases while Redis is slow must not hold up the renewal of the node id's hold.
        this.sweeper = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "tollgate-slice-sweeper-" + leases.node());
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(() -> slices.releaseIdle(IDLE), 1, 1, TimeUnit.SECONDS);
        long renewal = NodeOwner.RENEWAL.toMillis();
        sweeper.scheduleWithFixedDelay(owner::renew, renewal, renewal, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the node's cluster ledger over its embedded ledger and its connection to Redis, after handing back
     * every slice the node's previous run held beyond what its journal says it charged. Owns both from then on.
     *
     * @throws LedgerUnavailableException if Redis cannot be reached to hand those back
     * @throws IllegalStateException if the embedded ledger charged as a single node ({@link ClusterMarker}), or another
     *     running node holds its id: it runs on a copy of this ledger file ({@link NodeOwner})
     */
    public static RedisLedger open(SqliteLedger node, BudgetLeases leases, SlicePolicy policy)
            throws LedgerUnavailableException {
        return open(node, leases, policy, System::nanoTime);
    }

    /** As {@link #open(SqliteLedger, BudgetLeases, SlicePolicy)}, timing its node-id hold by {@code nanoTime}. */
    static RedisLedger open(SqliteLedger node, BudgetLeases leases, SlicePolicy policy, LongSupplier nanoTime)
            throws LedgerUnavailableException {
        ClusterMarker.require(node);
        NodeOwner owner = NodeOwner.claim(leases, node.file(), nanoTime); // before anything is reported under the id
        NodeSlices slices = new NodeSlices(leases, policy);
        try {
            Map<ScripId, Long> journal = new HashMap<>();
            for (ScripId scrip : leases.leasedScrip()) { // bounded by the node's slice capacity
                journal.put(scrip, node.chargedMicros(scrip.issuer(), scrip.jti()));
            }
            long returned = slices.recover(scrip -> journal.getOrDefault(scrip, 0L));
            if (!journal.isEmpty()) {
                LOG.info("node {}: handed back {} micro-units left in the slices of {} scrip its last run held",
                        leases.node(), returned, journal.size());
            }
        } catch (LeaseUnavailableException e) {
            throw unavailable(e);
        }
        return new RedisLedger(node, leases, slices, owner);
    }

    // ---------------------------------------------------------------- charges on scrip

    @Override
    public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource)
            throws LedgerUnavailableException {
        return charge(scrip, amountMicros, resource, (ScripId) null, null);
    }

    /** A charge through the slice; the node's ledger keeps {@code paymentId}'s hash with it if not {@code null}. */
    private ChargeResult charge(ScripAccount scrip, long amountMicros, String resource, ScripId known,
                                String paymentId) throws LedgerUnavailableException {
        ScripId id = known != null ? known : new ScripId(scrip.issuer(), scrip.jti());
        Reservation reservation = reserve(id, scrip, amountMicros);
        if (!reservation.reserved()) {
            return refused(reservation);
        }
        return recorded(id, amountMicros, paymentId == null ? node.charge(scrip, amountMicros, resource)
                : node.chargeNamingPayment(scrip, amountMicros, resource, paymentId));
    }

    /**
     * A charge under an x402 payment identifier: the identifier is claimed in Redis first, so the same payment sent to
     * any node is answered with the one charge made under it (PROTOCOL.md section 11). The charge itself is a plain
     * one, but the node's journal keeps the identifier's hash with it, for its refund: the identifier lives in Redis.
     * Without Redis nothing is charged (503).
     */
    @Override
    public ChargeResult charge(ScripAccount scrip, long amountMicros, String resource, String paymentId)
            throws LedgerUnavailableException {
        if (amountMicros > scrip.budgetMicros()) { // no charge was ever made on it: nothing to replay, nothing to ask
            return new ChargeResult.Insufficient(scrip.budgetMicros());
        }
        ScripId id = new ScripId(scrip.issuer(), scrip.jti());
        PaymentClaims.Claim claim;
        try {
            claim = payments.claim(id, paymentId, resource);
        } catch (LeaseUnavailableException e) {
            throw unavailable(e);
        }
        switch (claim.outcome()) {
            case REPLAYED:
                return new ChargeResult.Replayed(claim.receiptId(), claim.amountMicros(), remaining(scrip));
            case REUSED:
                return new ChargeResult.PaymentIdReused(remaining(scrip));
            default:
                break;
        }
        ChargeResult result;
        try {
            result = charge(scrip, amountMicros, resource, id, paymentId);
        } catch (LedgerUnavailableException | RuntimeException e) {
            payments.drop(claim);
            throw e;
        }
        payments.settle(claim, result);
        return result;
    }

    /**
     * Honours the buyer's entitlement to the stream held on any node, else claims it in Redis and charges here like a
     * charge ({@link StreamClaims}). While Redis cannot be asked, an entitlement this node's ledger holds still
     * passes: the ledger is asked with an amount no budget covers, which answers the entitlement or refuses.
     */
    @Override
    public ChargeResult chargeStream(ScripAccount scrip, long amountMicros, String stream, Instant now,
                                     Instant entitledUntil) throws LedgerUnavailableException {
        ScripId id = new ScripId(scrip.issuer(), scrip.jti());
        StreamClaims.Node here = new StreamClaims.Node() {
            @Override
            public ChargeResult buy() throws LedgerUnavailableException {
                Reservation reservation = reserve(id, scrip, amountMicros);
                if (!reservation.reserved()) {
                    return refused(reservation);
                }
                return recorded(id, amountMicros, node.chargeStream(scrip, amountMicros, stream, now, entitledUntil));
            }

            @Override
            public ChargeResult own() throws LedgerUnavailableException {
                return node.chargeStream(scrip, NO_BUDGET_COVERS, stream, now, entitledUntil);
            }

            @Override
            public String jti() {
                return scrip.jti();
            }

            @Override
            public long reachable() {
                return slices.reachable(id);
            }

            @Override
            public long remaining() throws LedgerUnavailableException {
                return RedisLedger.this.remaining(scrip);
            }
        };
        try {
            return streams.chargeStream(new StreamClaims.Key(scrip.issuer(), scrip.buyer(), stream), now,
                    entitledUntil, amountMicros <= scrip.budgetMicros(), here);
        } catch (LeaseUnavailableException e) {
            if (here.own() instanceof ChargeResult.Entitled entitled) {
                return entitled;
            }
            throw unavailable(e);
        }
    }

    private Reservation reserve(ScripId id, ScripAccount scrip, long amountMicros)
            throws LedgerUnavailableException {
        owner.checkHeld();
        if (amountMicros > scrip.budgetMicros()) { // nothing in Redis for scrip that could never pay
            return new Reservation(Reservation.Outcome.INSUFFICIENT, scrip.budgetMicros(), 0);
        }
        try {
            return slices.reserve(id, scrip.budgetMicros(), scrip.expiresAt(), amountMicros);
        } catch (LeaseUnavailableException e) {
            throw unavailable(e);
        }
    }

    /** A reservation Redis refused: 402 if the budget is spent, 503 {@code budget_busy} if other nodes hold it. */
    private static ChargeResult refused(Reservation reservation) throws LedgerUnavailableException {
        if (reservation.outcome() == Reservation.Outcome.BUSY) {
            throw LedgerUnavailableException.budgetBusy("other nodes hold " + reservation.elsewhereMicros()
                    + " micro-units of the scrip's budget; this node can reach " + reservation.remainingMicros());
        }
        return new ChargeResult.Insufficient(reservation.remainingMicros());
    }

    /**
     * The embedded ledger's answer to a reserved charge. A charge says what the node can reach now; anything else
     * charged nothing, so the reservation goes back. A charge that threw keeps its reservation: the embedded ledger
     * may have recorded it (SqliteLedger: durability not confirmed), and the slice must never count less than the
     * journal may hold.
     */
    private ChargeResult recorded(ScripId id, long amountMicros, ChargeResult result) {
        if (result instanceof ChargeResult.Charged charged) {
            long reachable = slices.reachable(id);
            return reachable < 0 ? charged
                    : new ChargeResult.Charged(charged.receiptId(), charged.amountMicros(), reachable);
        }
        slices.giveBack(id, amountMicros);
        return result;
    }

    /**
     * Refunds in the embedded ledger, and gives a scrip charge's amount back to the slice it was reserved from; not a
     * charge made under a payment identifier that a replay answered on any node ({@link PaymentClaims#mayRefund}). While
     * the embedded ledger refunds, the identifier is held so no replay is answered with the charge; it is forgotten
     * only once the refund is recorded.
     */
    @Override
    public boolean refund(String receiptId) throws LedgerUnavailableException {
        Optional<SqliteLedger.ScripCharge> charge = node.scripCharge(receiptId);
        PaymentClaims.RefundHold hold = PaymentClaims.RefundHold.FREE;
        if (charge.isPresent() && charge.get().paymentIdHash() != null) {
            try {
                hold = payments.mayRefund(new ScripId(charge.get().issuer(), charge.get().jti()),
                        charge.get().paymentIdHash(), receiptId);
            } catch (LeaseUnavailableException e) {
                throw unavailable(e);
            }
        }
        if (hold.refused()) {
            return false;
        }
        boolean refunded = false;
        try {
            refunded = node.refund(receiptId);
        } finally {
            payments.refundEnded(receiptId, hold, refunded);
        }
        if (refunded && charge.isPresent()) {
            slices.giveBack(new ScripId(charge.get().issuer(), charge.get().jti()), charge.get().amountMicros());
            streams.refunded(receiptId);
        } else if (refunded) {
            chains.refunded(receiptId);
        }
        return refunded;
    }

    /** What this node can reach: its slice's rest and the free budget; without a slice, the free budget in Redis. */
    @Override
    public long remaining(ScripAccount scrip) throws LedgerUnavailableException {
        ScripId id = new ScripId(scrip.issuer(), scrip.jti());
        long reachable = slices.reachable(id);
        if (reachable >= 0) {
            return reachable;
        }
        try {
            BudgetStatus status = leases.status(id);
            return status.budgetMicros() == 0 ? scrip.budgetMicros() : status.freeMicros();
        } catch (LeaseUnavailableException e) {
            throw unavailable(e);
        }
    }

    /**
     * Never: another node may have charged the scrip. Refused browser-flow scrip then returns to its buyer at its
     * expiry (Ledger's default).
     */
    /**
     * The node's ledger file's database id: each node settles its own charges, its claims cumulative per (scrip,
     * node) at the broker, which credits their sum (CLUSTER.md, "Settlement").
     */
    @Override
    public Optional<String> settlementLedgerId() {
        return Optional.of(node.databaseId());
    }

    @Override
    public boolean closeUnused(ScripAccount scrip) {
        return false;
    }

    static LedgerUnavailableException unavailable(LeaseUnavailableException e) {
        return new LedgerUnavailableException(e.getMessage(), e);
    }

    // ---------------------------------------------------------------- per node: the embedded ledger's

    @Override
    public void markSettled(String issuer, String jti, long settledMicros) throws LedgerUnavailableException {
        node.markSettled(issuer, jti, settledMicros);
    }

    @Override
    public List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException {
        return node.unsettled(limit);
    }

    @Override
    public List<ScripTotal> unsettled(String issuer, int limit) throws LedgerUnavailableException {
        return node.unsettled(issuer, limit);
    }

    /** The browser flow's purchase states, in Redis: taken on one node, taken on every node. */
    @Override
    public Optional<OneUseValues> oneUseValues() {
        return Optional.of(oneUse);
    }

    // ---------------------------------------------------------------- PayWord chains: heads in Redis

    @Override
    public ChainHead chainHead(ChainAccount chain) throws LedgerUnavailableException {
        return chains.head(chain);
    }

    @Override
    public Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException {
        return chains.commitment(issuer, commitmentId);
    }

    @Override
    public ChargeResult chargeChain(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros,
                                    String resource) throws LedgerUnavailableException {
        owner.checkHeld();
        return chains.charge(chain, expected, index, word, amountMicros, resource);
    }

    @Override
    public List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException {
        return node.unsettledChains(limit);
    }

    @Override
    public List<ChainTotal> unsettledChains(String issuer, int limit) throws LedgerUnavailableException {
        return node.unsettledChains(issuer, limit);
    }

    @Override
    public void markChainSettled(String issuer, String commitmentId, long settledMicros, int settledIndex)
            throws LedgerUnavailableException {
        node.markChainSettled(issuer, commitmentId, settledMicros, settledIndex);
    }

    @Override
    public void queueVoid(String receiptId) throws LedgerUnavailableException {
        node.queueVoid(receiptId);
    }

    @Override
    public void voidConfirmed(String receiptId) throws LedgerUnavailableException {
        node.voidConfirmed(receiptId);
    }

    @Override
    public List<PendingVoid> pendingVoids(int limit) throws LedgerUnavailableException {
        return node.pendingVoids(limit);
    }

    @Override
    public List<PendingVoid> pendingVoids(String issuer, int limit) throws LedgerUnavailableException {
        return node.pendingVoids(issuer, limit);
    }

    @Override
    public Sales sales(int recentLimit) throws LedgerUnavailableException {
        return node.sales(recentLimit);
    }

    /** The node's own record of the scrip: a repeat reference (PROTOCOL.md section 12) resolves after a restart. */
    @Override
    public Optional<ScripAccount> scrip(String issuer, String jti) throws LedgerUnavailableException {
        return node.scrip(issuer, jti);
    }

    /**
     * Stops the sweeper, hands back every slice, gives up the node id, closes the connection, then the embedded
     * ledger.
     */
    @Override
    public void close() {
        sweeper.shutdownNow();
        try {
            if (!sweeper.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("node {}: the slice sweeper did not stop within 10 s", leases.node());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        slices.close();
        owner.release();
        leases.close();
        node.close();
    }
}
