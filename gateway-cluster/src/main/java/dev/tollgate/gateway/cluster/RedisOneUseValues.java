package dev.tollgate.gateway.cluster;

import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.OneUseValues;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The browser flow's one-use values in Redis (docs/CLUSTER.md "The browser flow's one-use state"): one key per value,
 * {@code tollgate:{once:<value>}}, taken with {@code SET NX PX} (and {@code GET}, to tell what an earlier taker
 * recorded), so a value taken on one node is taken on every node. One round trip per call. Thread-safe.
 */
final class RedisOneUseValues implements OneUseValues {

    private static final RedisScript COMPLETE = new RedisScript("once-complete.lua");

    private final BudgetLeases redis;

    RedisOneUseValues(BudgetLeases redis) {
        this.redis = redis;
    }

    static String key(String value) {
        return "tollgate:{once:" + value + "}";
    }

    @Override
    public String take(String key, Duration ttl) throws LedgerUnavailableException {
        return call(redis.commands().setGet(key(key), "", SetArgs.Builder.nx().px(ttl.toMillis()))
                .toCompletableFuture(), "take of a one-use value");
    }

    @Override
    public String peek(String key) throws LedgerUnavailableException {
        return call(redis.commands().get(key(key)).toCompletableFuture(), "read of a one-use value");
    }

    @Override
    public void complete(String key, String value) throws LedgerUnavailableException {
        call(COMPLETE.<Long>run(redis.commands(), ScriptOutputType.INTEGER, new String[] {key(key)}, value),
                "completion of a one-use value");
    }

    private <T> T call(CompletableFuture<T> command, String subject) throws LedgerUnavailableException {
        try {
            return redis.call(command, subject);
        } catch (LeaseUnavailableException e) {
            throw RedisLedger.unavailable(e);
        }
    }
}
