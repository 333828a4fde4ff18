package dev.tollgate.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.settlement.RefundHold;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many charges of each scrip (or PayWord chain) were refunded here. A refund gives the budget back, so without a
 * limit a buyer whose requests keep failing (a priced path the app answers 404, made up anew each time) could keep one
 * price's worth of scrip charging and being refunded for ever, each time adding rows to the seller's ledger (the
 * charge, the path). After {@value #MAX_REFUNDS} refunds an account is charged no more here: the buyer gets 402
 * {@code too_many_refunds} and needs new scrip, whose budget the broker reserves anew.
 *
 * <p>Bounded: at most {@value #ACCOUNTS} scrip and as many chains are counted, the least recently refunded forgotten
 * first, each at most {@link #FORGET_AFTER} after its last refund (scrip and certificates live at most a day). To have
 * one account forgotten early a buyer needs that many other accounts with a refund, each with budget reserved at the
 * broker: the ledger rows refunds leave stay bounded by the money buyers hold reserved. Counts are this process's;
 * a restart forgets them. Keyed by jti or commitment id alone, as one broker issues them. Thread-safe; a paid request
 * costs one size read while nothing was refunded, one lookup after.
 */
final class RefundLimit {

    static final int MAX_REFUNDS = 100;
    static final int ACCOUNTS = 65_536;
    static final Duration FORGET_AFTER = Duration.ofHours(24);

    private final Cache<String, AtomicInteger> scrip = counts();
    private final Cache<String, AtomicInteger> chains = counts();

    private static Cache<String, AtomicInteger> counts() {
        return Caffeine.newBuilder().maximumSize(ACCOUNTS).expireAfterWrite(FORGET_AFTER)
                .executor(Runnable::run) // evicts on the caller's thread: the bound holds when a refund returns
                .build();
    }

    /** Whether the account of {@code hold} has had its {@value #MAX_REFUNDS} refunds: charge it no more. */
    boolean exhausted(RefundHold hold) {
        Cache<String, AtomicInteger> counts = hold.chain() ? chains : scrip;
        if (counts.estimatedSize() == 0) {
            return false;
        }
        AtomicInteger refunds = counts.getIfPresent(hold.account());
        return refunds != null && refunds.get() >= MAX_REFUNDS;
    }

    /** Counts a refund of a charge made under {@code hold}. */
    void refunded(RefundHold hold) {
        Cache<String, AtomicInteger> counts = hold.chain() ? chains : scrip;
        counts.asMap().compute(hold.account(), (account, refunds) -> {
            AtomicInteger n = refunds == null ? new AtomicInteger() : refunds;
            n.incrementAndGet();
            return n; // written again: its expiry restarts
        });
    }
}
