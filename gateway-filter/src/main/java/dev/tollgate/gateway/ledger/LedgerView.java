package dev.tollgate.gateway.ledger;

import java.util.List;
import java.util.Optional;

/**
 * What a {@link Ledger} reports, without changing anything: budgets left, what waits for settlement, chain heads,
 * queued voids, sales. {@code TollgateFilter.ledger()} gives the seller's app this view only ({@link #readOnly}), so
 * code in the app can read the seller's records but cannot charge, refund or mark anything settled. Thread-safe.
 *
 * @since 0.4
 */
public interface LedgerView {

    /** Micro-units left on the scrip: its budget if it was never charged here. */
    long remaining(ScripAccount scrip) throws LedgerUnavailableException;

    /**
     * The scrip {@code (issuer, jti)} as this ledger recorded it when it first charged (or closed) it, or empty if
     * it has no record of it. The gateway resolves a repeat reference with it after a restart (PROTOCOL.md section
     * 12). The default has none: a reference then resolves only while the gateway's memory keeps its scrip, and the
     * buyer sends the whole payment after a restart.
     *
     * @since 0.5
     */
    default Optional<ScripAccount> scrip(String issuer, String jti) throws LedgerUnavailableException {
        return Optional.empty();
    }

    /** Scrip with charges the broker has not yet confirmed, oldest first, at most {@code limit} of them. */
    List<ScripTotal> unsettled(int limit) throws LedgerUnavailableException;

    /**
     * {@link #unsettled(int)} of one broker's scrip (those whose {@link ScripTotal#issuer()} is {@code issuer}): a
     * gateway settles with each broker apart, so one broker's backlog never delays another's claims. The default
     * filters {@code unsettled(Integer.MAX_VALUE)}; an implementation that can select by issuer overrides it.
     *
     * @since 0.4
     */
    default List<ScripTotal> unsettled(String issuer, int limit) throws LedgerUnavailableException {
        return unsettled(Integer.MAX_VALUE).stream().filter(total -> total.issuer().equals(issuer)).limit(limit)
                .toList();
    }

    /** The chain's head: {@code (0, root, 0, 0)} if it was never paid here. */
    ChainHead chainHead(ChainAccount chain) throws LedgerUnavailableException;

    /** The commitment JWS of a chain this ledger has seen, so a gateway can re-verify it after a restart. */
    Optional<String> commitment(String issuer, String commitmentId) throws LedgerUnavailableException;

    /**
     * Chains whose requests consumed more than the broker has credited ({@link ChainTotal#spentMicros()} above
     * {@link ChainTotal#settledMicros()}), oldest first, at most {@code limit} of them.
     */
    List<ChainTotal> unsettledChains(int limit) throws LedgerUnavailableException;

    /**
     * {@link #unsettledChains(int)} of the chains one broker certified. The default filters
     * {@code unsettledChains(Integer.MAX_VALUE)}.
     *
     * @since 0.4
     */
    default List<ChainTotal> unsettledChains(String issuer, int limit) throws LedgerUnavailableException {
        return unsettledChains(Integer.MAX_VALUE).stream().filter(total -> total.issuer().equals(issuer))
                .limit(limit).toList();
    }

    /**
     * The voids queued and not yet confirmed by the broker, oldest first, at most {@code limit} of them. The default
     * implementation has none.
     */
    default List<PendingVoid> pendingVoids(int limit) throws LedgerUnavailableException {
        return List.of();
    }

    /**
     * {@link #pendingVoids(int)} of one broker's scrip. The default filters {@code pendingVoids(Integer.MAX_VALUE)}.
     *
     * @since 0.4
     */
    default List<PendingVoid> pendingVoids(String issuer, int limit) throws LedgerUnavailableException {
        return pendingVoids(Integer.MAX_VALUE).stream().filter(v -> v.issuer().equals(issuer)).limit(limit)
                .toList();
    }

    /**
     * What was sold, for the seller's dashboard: revenue per resource, the {@code recentLimit} latest charges and
     * where settlement stands. Reads every charge: call it for a dashboard, not per request. Implementations that
     * keep no such records throw {@link LedgerUnavailableException}.
     *
     * @param recentLimit how many of the latest charges to include, 0 to 1000
     */
    default Sales sales(int recentLimit) throws LedgerUnavailableException {
        throw new LedgerUnavailableException(getClass().getName() + " does not report sales");
    }

    /** A view of {@code ledger} that cannot be cast back to it: only these reads reach the ledger. */
    static LedgerView readOnly(Ledger ledger) {
        return new ReadOnlyLedger(ledger);
    }
}
