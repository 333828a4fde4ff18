package dev.tollgate.gateway.cluster;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.ledger.ChainAccount;
import dev.tollgate.gateway.ledger.ChainHead;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PayWord chain heads cluster-wide (docs/CLUSTER.md "PayWord heads"): one hash per chain in Redis holds its head and
 * what requests have spent of it, so a word may arrive at any node, in any order, and pays once. A payment moves the
 * head with a compare-and-set script ({@code chain-pay.lua}: the head's index must be the one the node verified the
 * word against) before the node records the charge in its own ledger; a charge the node's ledger then refuses, or a
 * refund, gives the amount back to the chain's credit. Thread-safe.
 */
final class ChainHeads {

    /** The outcome of {@link #pay}: {@code status} and the head as it stands after. */
    record Move(Status status, ChainHead head) {
    }

    /** What {@code chain-pay.lua} answered; {@code STALE}: fenced after a lost answer, nothing changed. */
    enum Status { PAID, MOVED, SHORT, STALE }

    /** Chain charges this node recorded, kept for their refunds; each about 200 bytes. */
    static final int CAPACITY = 65_536;
    private static final Logger LOG = LoggerFactory.getLogger(ChainHeads.class);
    private static final RedisScript PAY = new RedisScript("chain-pay.lua");
    private static final RedisScript REFUND = new RedisScript("chain-refund.lua");
    private static final RedisScript FENCE = new RedisScript("chain-fence.lua");
    /** How long a payment's paid mark lives: long enough for the node to ask about it after a lost answer. */
    static final Duration PAID_MARK = Duration.ofMinutes(1);
    private static final HexFormat HEX = HexFormat.of();

    private record Paid(String key, long amountMicros) {
    }

    private final BudgetLeases redis;
    private final Duration retention;
    /** The next operation's number; each process starts above every number an earlier process of the node used. */
    private final AtomicLong operations = new AtomicLong(System.currentTimeMillis() * 1000);
    private final Cache<String, Paid> paid = Caffeine.newBuilder().maximumSize(CAPACITY).executor(Runnable::run)
            .build();

    ChainHeads(BudgetLeases redis) {
        this.redis = redis;
        this.retention = redis.settings().retention();
    }

    /**
     * {@code tollgate:{chain:<issuer length>:<issuer>:<commitment id>}:head}, in its own slot of a Redis Cluster.
     */
    static String key(String issuer, String commitmentId) {
        return "tollgate:{chain:" + issuer.length() + ':' + issuer + ':' + commitmentId + "}:head";
    }

    /** The chain's head cluster-wide: {@code (0, root)} for a chain never paid. */
    ChainHead head(ChainAccount chain) throws LeaseUnavailableException {
        List<io.lettuce.core.KeyValue<String, String>> fields = redis.call(redis.commands()
                .hmget(key(chain.issuer(), chain.commitmentId()), "index", "word", "spent").toCompletableFuture(),
                "read of a chain's head");
        int index = fields.get(0).hasValue() ? Integer.parseInt(fields.get(0).getValue()) : 0;
        String word = fields.get(1).getValueOrElse("");
        long spent = fields.get(2).hasValue() ? Long.parseLong(fields.get(2).getValue()) : 0;
        return head(chain, index, word, spent);
    }

    /** The commitment's JWS as the first node that took a payment on it stored it, if any. */
    Optional<String> commitment(String issuer, String commitmentId) throws LeaseUnavailableException {
        return Optional.ofNullable(redis.call(redis.commands().hget(key(issuer, commitmentId), "commitment")
                .toCompletableFuture(), "read of a commitment"));
    }

    /**
     * Moves the head to {@code (index, word)} if it is above, and spends {@code amountMicros} of the credit, if the
     * head is still at {@code expected}'s index and the credit covers it. The commitment is stored with the first
     * payment the node sees at the chain's root.
     *
     * <p>If the answer is lost (a timeout), the node fences its operations on the chain so far and asks whether this
     * one was applied: if so, it was paid, and the node charges it; if not, it never will be. Only when that question
     * fails too does the call throw with the payment's fate unknown: the amount may be spent, unrecorded (the buyer
     * loses that credit, nobody is paid it).
     */
    Move pay(ChainAccount chain, ChainHead expected, int index, byte[] word, long amountMicros)
            throws LeaseUnavailableException {
        String key = key(chain.issuer(), chain.commitmentId());
        String expiresAt = Long.toString(chain.expiresAt().plus(retention).toEpochMilli());
        long operation = operations.getAndIncrement();
        String[] keys = {key, key + ":paid:" + redis.node() + ':' + operation};
        List<Object> reply;
        try {
            reply = redis.call(PAY.<List<Object>>run(redis.commands(), ScriptOutputType.MULTI, keys,
                    Integer.toString(expected.index()), Integer.toString(index), HEX.formatHex(word),
                    Long.toString(amountMicros), Long.toString(chain.unitMicros()), expiresAt,
                    expected.index() == 0 ? chain.commitment() : "", redis.node(), Long.toString(operation),
                    Long.toString(PAID_MARK.toMillis())), "payment on a chain");
        } catch (LeaseUnavailableException lost) {
            Long paid;
            try {
                paid = redis.call(FENCE.<Long>run(redis.commands(), ScriptOutputType.INTEGER, keys, redis.node(),
                        Long.toString(operations.getAndIncrement()), expiresAt), "fence on a chain");
            } catch (LeaseUnavailableException again) {
                throw lost;
            }
            if (paid == 0) {
                throw lost;
            }
            LOG.info("node {}: a chain payment whose answer was lost had been applied; charging it", redis.node());
            int top = Math.max(index, expected.index());
            return new Move(Status.PAID, new ChainHead(top, top == index ? word : expected.word(),
                    top * chain.unitMicros(), Math.min(top * chain.unitMicros(), expected.spentMicros()
                    + amountMicros)));
        }
        Status status = switch ((String) reply.get(0)) {
            case "ok" -> Status.PAID;
            case "moved" -> Status.MOVED;
            case "short" -> Status.SHORT;
            case "stale" -> Status.STALE;
            default -> throw new LeaseUnavailableException("chain-pay.lua answered " + reply);
        };
        return new Move(status, head(chain, ((Long) reply.get(1)).intValue(), (String) reply.get(2),
                Long.parseLong((String) reply.get(3))));
    }

    /** The node recorded the charge {@code receiptId} of a payment {@link #pay} accepted: kept for its refund. */
    void charged(String receiptId, ChainAccount chain, long amountMicros) {
        paid.put(receiptId, new Paid(key(chain.issuer(), chain.commitmentId()), amountMicros));
    }

    /**
     * Gives {@code amountMicros} back to the chain's credit: the node refused or refunded a charge {@link #pay}
     * accepted. If Redis cannot be told, the amount stays spent: the buyer loses that credit, nobody is paid it.
     */
    void giveBack(ChainAccount chain, long amountMicros) {
        giveBack(key(chain.issuer(), chain.commitmentId()), amountMicros);
    }

    /** The charge {@code receiptId} was refunded: its amount goes back to its chain's credit, if it was one here. */
    void refunded(String receiptId) {
        Paid charge = paid.asMap().remove(receiptId);
        if (charge != null) {
            giveBack(charge.key(), charge.amountMicros());
        }
    }

    private void giveBack(String key, long amountMicros) {
        try {
            redis.call(REFUND.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {key},
                    Long.toString(amountMicros)), "refund on a chain");
        } catch (LeaseUnavailableException e) {
            LOG.warn("node {}: could not give {} micro-units back to a chain's credit ({}); they stay spent",
                    redis.node(), amountMicros, e.getMessage());
        }
    }

    private static ChainHead head(ChainAccount chain, int index, String word, long spent) {
        return new ChainHead(index, index == 0 ? chain.root() : HEX.parseHex(word), index * chain.unitMicros(),
                spent);
    }
}
