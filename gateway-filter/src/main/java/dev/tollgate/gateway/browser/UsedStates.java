package dev.tollgate.gateway.browser;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.ledger.LedgerUnavailableException;
import dev.tollgate.gateway.ledger.OneUseValues;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The browser flow's replay set: the purchase states a callback has taken, each with the scrip it completed, so that
 * a state completes one purchase. Without it, one paywall view would give a (cookie, state) pair whose callbacks
 * count in the bucket of fresh states ({@link CallbackGuard}) for the state's whole lifetime. A replay of the same
 * scrip (the broker's hand-back form posted twice) is answered like the first; one with other scrip is refused.
 *
 * <p>A node alone keeps the set in memory. Bounded: at most {@value #MAX_STATES} states (a number and a jti each, about
 * 200 bytes with the cache's entry, so at most about 13 MiB), each kept until its state has expired anyway
 * ({@link BrowserFlow#STATE_LIFETIME} after it was taken, no earlier than its own expiry). Only callbacks that match
 * their sealed, unexpired state are added, so each entry costs its sender a paywall view and a callback. If a flood of
 * those evicts a state early, that state can complete one more callback, whose failure still counts against its
 * address ({@link CallbackGuard}). This process's set: a restart forgets it.
 *
 * <p>Nodes of a cluster share the set through their ledger ({@link OneUseValues}, docs/CLUSTER.md), one key per state
 * for its lifetime, so a state taken on one node is taken on every node; each call is then a round trip to the shared
 * store and throws {@link LedgerUnavailableException} when it cannot be asked. Thread-safe.
 */
final class UsedStates {

    static final int MAX_STATES = 65_536;

    /** What {@link #take} records until the callback's scrip is known, and keeps if it never is. */
    static final String NO_SCRIP = "";

    /** By 64 bits of the state's nonce: the jti of the scrip it completed, or {@link #NO_SCRIP}. */
    private final Cache<Long, String> used;
    /** The cluster's set, if the ledger is shared; then {@link #used} stays empty. */
    private final OneUseValues shared;
    private final Duration lifetime;

    UsedStates(Clock clock, Duration lifetime, Optional<OneUseValues> shared) {
        this.used = Caffeine.newBuilder()
                .maximumSize(MAX_STATES)
                .expireAfterWrite(lifetime)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run) // evicts on the caller's thread: the bound holds when use returns
                .build();
        this.shared = shared.orElse(null);
        this.lifetime = lifetime;
    }

    /**
     * Takes {@code state} for a callback.
     *
     * @return {@code null} if it was fresh and is taken now; else what an earlier callback recorded: the jti of the
     *     scrip it completed, or {@link #NO_SCRIP}
     */
    String take(PurchaseState state) throws LedgerUnavailableException {
        return shared != null ? shared.take(state.state(), lifetime) : used.asMap().putIfAbsent(key(state), NO_SCRIP);
    }

    /** What an earlier callback recorded for {@code state} (see {@link #take}), or {@code null} while it is fresh. */
    String peek(PurchaseState state) throws LedgerUnavailableException {
        return shared != null ? shared.peek(state.state()) : used.getIfPresent(key(state));
    }

    /**
     * What a callback recorded for the {@code state} a form carries, without the cookie it was sealed in: {@code null}
     * if that state was never taken here (or is not one).
     */
    String recorded(String state) throws LedgerUnavailableException {
        byte[] nonce;
        try {
            nonce = Base64.getUrlDecoder().decode(state);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (nonce.length != PurchaseState.NONCE_BYTES) {
            return null;
        }
        return shared != null ? shared.peek(state) : used.getIfPresent(key(nonce));
    }

    /** Records that {@code state}'s callback completed with the scrip {@code jti}, unless another scrip did first. */
    void completed(PurchaseState state, String jti) throws LedgerUnavailableException {
        if (shared != null) {
            shared.complete(state.state(), jti);
        } else {
            used.asMap().replace(key(state), NO_SCRIP, jti);
        }
    }

    private static Long key(PurchaseState state) {
        return key(state.nonce());
    }

    private static Long key(byte[] nonce) {
        // The nonce is 32 random bytes: 64 of its bits tell states apart (a collision among the states kept is about
        // as likely as guessing one) and keep an entry small.
        return ByteBuffer.wrap(nonce).getLong();
    }

    /** How many states are kept in memory now (for tests; approximate under concurrency). */
    long size() {
        used.cleanUp();
        return used.estimatedSize();
    }
}
