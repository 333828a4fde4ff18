package dev.tollgate.gateway;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The browser flow's replay set: the purchase states whose callback was taken, so that each state completes one
 * callback. Without it, one paywall view would give a (cookie, state) pair that completes callbacks for the state's
 * whole lifetime, each with a new token to verify, and a callback whose state matches is never refused for its
 * address's failures ({@link BrowserFlow}).
 *
 * <p>Bounded: at most {@value #MAX_STATES} states (a number each, about 100 bytes with the cache's entry, so at most
 * about 7 MiB), each kept until its state has expired anyway ({@link BrowserFlow#STATE_LIFETIME} after it was taken,
 * no earlier than its own expiry). Only callbacks that match their sealed, unexpired state are added, so each entry
 * costs its sender a paywall view and a callback. If a flood of those evicts a state early, that state can complete
 * one more callback, whose verification still counts against its address ({@link FailedVerifications}). This
 * process's set: a restart forgets it. Thread-safe.
 */
final class UsedStates {

    static final int MAX_STATES = 65_536;

    private final Cache<Long, Boolean> used;

    UsedStates(Clock clock, Duration lifetime) {
        this.used = Caffeine.newBuilder()
                .maximumSize(MAX_STATES)
                .expireAfterWrite(lifetime)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run) // evicts on the caller's thread: the bound holds when use returns
                .build();
    }

    /**
     * Takes {@code state}'s one callback.
     *
     * @return whether it was still unused; {@code false} if a callback took it already
     */
    boolean use(PurchaseState state) {
        // The nonce is 32 random bytes: 64 of its bits tell states apart (a collision among the states kept is about
        // as likely as guessing one) and keep an entry small.
        return used.asMap().putIfAbsent(ByteBuffer.wrap(state.nonce()).getLong(), Boolean.TRUE) == null;
    }

    /** How many states are kept now (for tests; approximate under concurrency). */
    long size() {
        used.cleanUp();
        return used.estimatedSize();
    }
}
