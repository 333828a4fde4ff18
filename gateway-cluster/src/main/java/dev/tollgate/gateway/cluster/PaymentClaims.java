package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * x402 payment identifiers cluster-wide (PROTOCOL.md section 11, docs/CLUSTER.md "Payment identifiers"): a paid
 * request sent again under its identifier, to any node, is answered with the charge made under it, not charged again.
 *
 * <p>One key per identifier used on a scrip, in the scrip's hash tag ({@link ScripId#paymentKey}):
 * {@code pay-claim.lua} takes it with a pending value naming this node (it lives {@link PendingWait#lifetime}), or
 * answers the charge made under it and counts the replay; the node charges, then sets the key to the charge for
 * {@link #WINDOW} (compare-and-set: {@code claim-settle.lua}), or deletes its pending value if nothing was charged.
 * A request that finds it pending polls until it is set or gone. Beside it, in the same hash tag, the set of receipts a
 * replay was answered with ({@code <key>:served}), which no refund passes, whatever becomes of the key. Only charges that carry an identifier come here: a plain click asks Redis nothing
 * more. Keys hold hashes of the identifier and the resource, never the buyer's text. Thread-safe.
 */
final class PaymentClaims {

    /** How long after its charge an identifier is answered with it: the embedded ledger's window (PaymentIds). */
    static final Duration WINDOW = Duration.ofMinutes(10);
    /** How often one charge is answered as a replay before a request under its identifier is charged anew. */
    static final int MAX_REPLAYS = 8;
    private static final Logger LOG = LoggerFactory.getLogger(PaymentClaims.class);
    private static final RedisScript CLAIM = new RedisScript("pay-claim.lua");
    private static final RedisScript SETTLE = new RedisScript("claim-settle.lua");
    private static final RedisScript DROP = new RedisScript("claim-drop.lua");
    private static final RedisScript REFUND = new RedisScript("pay-refund.lua");

    /** What the identifier's key said. */
    enum Outcome { CLAIMED, REUSED, REPLAYED }

    /**
     * One request's claim: {@code pending} is the value this node wrote if {@code CLAIMED}; {@code receiptId} and
     * {@code amountMicros} the charge answered if {@code REPLAYED}.
     */
    record Claim(Outcome outcome, String key, String resource, String pending, String receiptId, long amountMicros) {
    }

    /**
     * What a refund asked of the identifier of its charge: {@code refused}, or refund it, holding the identifier with
     * this node's {@code pending} value meanwhile if {@code key} is not {@code null} ({@code charge} is what it held,
     * for {@code ttlMillis} more).
     */
    record RefundHold(boolean refused, String key, String pending, String charge, long ttlMillis) {
        static final RefundHold REFUSED = new RefundHold(true, null, null, null, 0);
        static final RefundHold FREE = new RefundHold(false, null, null, null, 0);
    }

    private final BudgetLeases redis;
    private final Duration pendingTtl;
    private final AtomicLong attempts = new AtomicLong();

    PaymentClaims(BudgetLeases redis) {
        this.redis = redis;
        this.pendingTtl = PendingWait.lifetime(redis.settings());
    }

    /**
     * Claims {@code paymentId} on {@code scrip} for a charge of {@code resource}; waits while another request under it
     * is being charged.
     *
     * @throws LeaseUnavailableException Redis could not be asked
     * @throws LedgerUnavailableException the other request's charge did not end in time (budget busy), or interrupted
     */
    Claim claim(ScripId scrip, String paymentId, String resource)
            throws LeaseUnavailableException, LedgerUnavailableException {
        String key = scrip.paymentKey(hash(paymentId)); // the node's ledger keeps the same hash with the charge
        String resourceHash = hash(resource);
        PendingWait wait = new PendingWait(pendingTtl);
        while (true) {
            String pending = pending(resourceHash);
            List<Object> answer = redis.call(CLAIM.<List<Object>>run(redis.commands(), ScriptOutputType.MULTI,
                    new String[] {key, served(key)}, pending, Long.toString(pendingTtl.toMillis()), resourceHash,
                    Integer.toString(MAX_REPLAYS)), "payment identifier");
            switch (String.valueOf(answer.get(0))) {
                case "claimed":
                    return new Claim(Outcome.CLAIMED, key, resourceHash, pending, null, 0);
                case "reused":
                    return new Claim(Outcome.REUSED, key, resourceHash, null, null, 0);
                case "replayed":
                    return new Claim(Outcome.REPLAYED, key, resourceHash, null, (String) answer.get(1),
                            Long.parseLong((String) answer.get(2)));
                default:
                    wait.pause("a request under the same payment identifier is being charged");
            }
        }
    }

    /**
     * The end of a {@code CLAIMED} claim: a charge sets the identifier to it for {@link #WINDOW}; anything else
     * deletes the pending value. If Redis cannot be told, the pending value ends by itself within its lifetime, and a
     * replay after that is charged again (logged).
     */
    void settle(Claim claim, ChargeResult result) {
        if (!(result instanceof ChargeResult.Charged charge)) {
            drop(claim);
            return;
        }
        String value = "c " + claim.resource() + ' ' + charge.amountMicros() + " 0 " + charge.receiptId();
        long until = System.currentTimeMillis() + WINDOW.toMillis();
        try {
            Long set = redis.call(SETTLE.<Long>run(redis.commands(), ScriptOutputType.INTEGER,
                    new String[] {claim.key()}, claim.pending(), value, Long.toString(until)), "payment identifier");
            if (set == 0) { // the key is left to whatever holds it now (another node's charge, maybe)
                LOG.warn("node {}: a payment identifier's claim expired while this node charged under it (receipt {});"
                        + " a replay may be charged again", redis.node(), charge.receiptId());
            }
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not record receipt {} under its payment identifier ({}); a replay after {} s is "
                    + "charged again", redis.node(), charge.receiptId(), e.getMessage(), pendingTtl.toSeconds());
        }
    }

    /** A {@code CLAIMED} claim under which nothing was charged: the pending value goes, so a retry can charge. */
    void drop(Claim claim) {
        try {
            redis.call(DROP.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {claim.key()},
                    claim.pending()), "payment identifier");
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not delete a payment identifier's pending claim ({}); it ends within {} s",
                    redis.node(), e.getMessage(), pendingTtl.toSeconds());
        }
    }

    /**
     * Whether this node's charge {@code receiptId}, made on {@code scrip} under the identifier whose hash the node's
     * ledger kept with it ({@code idHash}), may be refunded: not if a replay served its content. If its identifier
     * still holds it, it is held for the refund (requests under it wait) until {@link #refundEnded}.
     *
     * @throws LeaseUnavailableException Redis could not be asked: not refunded (the buyer keeps the charge, logged)
     */
    RefundHold mayRefund(ScripId scrip, String idHash, String receiptId) throws LeaseUnavailableException {
        String key = scrip.paymentKey(idHash);
        String pending = pending("refund");
        List<Object> answer = redis.call(REFUND.<List<Object>>run(redis.commands(), ScriptOutputType.MULTI,
                new String[] {key, served(key)}, receiptId, pending, Long.toString(pendingTtl.toMillis())),
                "payment identifier");
        switch (String.valueOf(answer.get(0))) {
            case "free":
                return RefundHold.FREE;
            case "held":
                return new RefundHold(false, key, pending, (String) answer.get(1),
                        Long.parseLong((String) answer.get(2)));
            default:
                return RefundHold.REFUSED;
        }
    }

    /**
     * The end of a refund {@link #mayRefund} allowed: once {@code refunded}, the identifier is forgotten (the next
     * request under it is charged anew); if not, it holds its charge again. If Redis cannot be told, the hold ends by
     * itself within its lifetime, and the identifier with it.
     */
    void refundEnded(String receiptId, RefundHold hold, boolean refunded) {
        if (hold.key() == null) {
            return;
        }
        try {
            if (refunded) {
                redis.call(DROP.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {hold.key()},
                        hold.pending()), "payment identifier");
            } else {
                redis.call(SETTLE.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {hold.key()},
                        hold.pending(), hold.charge(), Long.toString(System.currentTimeMillis() + hold.ttlMillis())),
                        "payment identifier");
            }
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not end the refund hold on receipt {}'s payment identifier ({}); it ends within {} s",
                    redis.node(), receiptId, e.getMessage(), pendingTtl.toSeconds());
        }
    }

    /** A value naming this node, unique to one claim: what only this node's compare-and-set or -delete matches. */
    private String pending(String resourceHash) {
        return "p " + resourceHash + ' ' + redis.node() + ' ' + attempts.incrementAndGet();
    }

    /** The key of the set of receipts a replay was answered with under the identifier {@code key}. */
    private static String served(String key) {
        return key + ":served";
    }

    /** The first 16 bytes of the text's SHA-256, in hex: what Redis holds of a buyer's identifier or a resource. */
    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(Arrays.copyOf(digest, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
