package dev.tollgate.gateway.settlement;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many charges of each scrip (or PayWord chain) were refunded here. A refund gives the budget back, so without a
 * limit a buyer whose requests keep failing could keep one price's worth of scrip charging and being refunded for
 * ever, each time adding rows to the seller's ledger (the charge, the path). An account is charged no more here once
 * either count reaches its limit; the buyer gets 402 {@code too_many_refunds} and needs new scrip, whose budget the
 * broker reserves anew:
 * <ul>
 *   <li>{@value #MAX_REFUNDS} refunds the buyer could choose: the app answered 4xx (a 404 for a path made up anew each
 *       time), the container refused the request it could not read ({@code http.ThrownStatus}: a bad percent escape in the
 *       query), the broker refused the online charge;</li>
 *   <li>{@value #MAX_ALL_REFUNDS} refunds of any kind, the seller's own failures included (the app answered 5xx or
 *       threw, timed out, the broker could not be reached). A buyer may find an input the app fails on with a 500, so
 *       these must count too; the larger limit lets an honest client ride out a few minutes of the seller's outage
 *       on one scrip before it has to buy new scrip.</li>
 * </ul>
 *
 * <p>Bounded: at most {@value #ACCOUNTS} scrip and as many chains are counted, the least recently refunded forgotten
 * first, each at most {@link #FORGET_AFTER} after its last refund (scrip and certificates live at most a day). To have
 * one account forgotten early a buyer needs that many other accounts with a refund, each with budget reserved at the
 * broker: the ledger rows refunds leave stay bounded by the money buyers hold reserved, at most
 * {@value #MAX_ALL_REFUNDS} per account. Counts are this process's; a restart forgets them. Keyed by jti or
 * commitment id alone, as one broker issues them. Thread-safe; a paid request costs one size read while nothing was
 * refunded, one lookup after.
 */
public final class RefundLimit {

    public static final int MAX_REFUNDS = 100;
    public static final int MAX_ALL_REFUNDS = 1_000;
    static final int ACCOUNTS = 65_536;
    static final Duration FORGET_AFTER = Duration.ofHours(24);

    /** One account's refunds. */
    private static final class Counts {
        final AtomicInteger buyersDoing = new AtomicInteger();
        final AtomicInteger all = new AtomicInteger();

        boolean exhausted() {
            return buyersDoing.get() >= MAX_REFUNDS || all.get() >= MAX_ALL_REFUNDS;
        }
    }

    private final Cache<String, Counts> scrip = counts();
    private final Cache<String, Counts> chains = counts();

    private static Cache<String, Counts> counts() {
        return Caffeine.newBuilder().maximumSize(ACCOUNTS).expireAfterWrite(FORGET_AFTER)
                .executor(Runnable::run) // evicts on the caller's thread: the bound holds when a refund returns
                .build();
    }

    /** What a buyer whose account is exhausted is told, for {@code what} ("scrip", "chain"). */
    public static String refusal(String what) {
        return "this " + what + " had too many purchases refunded here (" + MAX_REFUNDS + " failed at your request, or "
                + MAX_ALL_REFUNDS + " in all) and pays for no more";
    }

    /** Whether the account of {@code hold} has had its refunds: charge it no more. */
    public boolean exhausted(RefundHold hold) {
        return exhausted(hold.chain(), hold.account());
    }

    /** Whether the scrip (or, if {@code chain}, the PayWord chain) {@code account} has had its refunds. */
    public boolean exhausted(boolean chain, String account) {
        Cache<String, Counts> counts = chain ? chains : scrip;
        if (counts.estimatedSize() == 0) {
            return false;
        }
        Counts refunds = counts.getIfPresent(account);
        return refunds != null && refunds.exhausted();
    }

    /**
     * Counts a refund of a charge made under {@code hold}; {@code buyersDoing} if the buyer could have chosen the
     * failure.
     */
    public void refunded(RefundHold hold, boolean buyersDoing) {
        refunded(hold.chain(), hold.account(), buyersDoing);
    }

    /** Counts a refund of the scrip (or, if {@code chain}, the PayWord chain) {@code account}. */
    public void refunded(boolean chain, String account, boolean buyersDoing) {
        Cache<String, Counts> counts = chain ? chains : scrip;
        counts.asMap().compute(account, (key, refunds) -> {
            Counts n = refunds == null ? new Counts() : refunds;
            n.all.incrementAndGet();
            if (buyersDoing) {
                n.buyersDoing.incrementAndGet();
            }
            return n; // written again: its expiry restarts
        });
    }

    /** How many scrip and chains are counted now (for tests). */
    long accounts() {
        scrip.cleanUp();
        chains.cleanUp();
        return scrip.estimatedSize() + chains.estimatedSize();
    }
}
