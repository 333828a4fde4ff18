package dev.tollgate.gateway.ledger;

import java.time.Duration;

/**
 * Values a gateway lets be used once, kept where every node of a cluster sees them: the browser flow's purchase
 * states (PROTOCOL.md section 10), so a state taken on one node is taken on all. A ledger shared by several nodes
 * returns its own from {@link Ledger#oneUseValues()}; a node alone keeps them in memory. Each value is a key that holds
 * a short text for a time to live, at most {@code ttl} after it was taken. Implementations are thread-safe.
 *
 * @since 0.5
 */
public interface OneUseValues {

    /**
     * Takes {@code key}: if it holds nothing, it holds {@code ""} from now on, for {@code ttl}.
     *
     * @return {@code null} if it was fresh and is taken now, else what it holds
     * @throws LedgerUnavailableException if the shared store cannot tell: the caller leaves the value untaken
     */
    String take(String key, Duration ttl) throws LedgerUnavailableException;

    /** What {@code key} holds, {@code null} while it is fresh. */
    String peek(String key) throws LedgerUnavailableException;

    /** If {@code key} holds {@code ""}, it holds {@code value} from now on, until its expiry; else nothing changes. */
    void complete(String key, String value) throws LedgerUnavailableException;
}
