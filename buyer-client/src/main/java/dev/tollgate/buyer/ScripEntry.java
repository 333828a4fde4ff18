package dev.tollgate.buyer;

import java.time.Instant;

/**
 * One scrip in the wallet, for one seller at one origin: its token, what is known to be spent of its budget, and what requests in flight have
 * reserved of it. Mutable; guarded by the {@link Wallet}'s monitor.
 */
final class ScripEntry {

    final String seller;
    /** The origin it was bought at: it pays only requests there ({@link Offer#origin}). */
    final String origin;
    final String token;
    final String jti;
    final long budget;
    final Instant expiresAt;
    long spent;
    long inFlight;
    /** Leased whole to one metered request, whose gateway may draw all of it. */
    boolean exclusive;
    /** Bought by this client (not loaded from the file): its unspent budget counts against the client's limits. */
    boolean boughtHere;
    /**
     * The repeat reference the seller's last receipt offered for this scrip, or null: sent instead of the token until
     * the seller refuses it. Kept in memory only (the wallet file keeps the token, which always pays).
     */
    volatile String reference;

    ScripEntry(String seller, String origin, String token, String jti, long budget, Instant expiresAt, long spent) {
        this.seller = seller;
        this.origin = origin;
        this.token = token;
        this.jti = jti;
        this.budget = budget;
        this.expiresAt = expiresAt;
        this.spent = spent;
    }

    /** What is left for new requests. */
    long available() {
        return budget - spent - inFlight;
    }

    /** Whether it can still pay a request sent now that may take up to {@code margin} seconds. */
    boolean usableAt(Instant now, long marginSeconds) {
        return now.plusSeconds(marginSeconds).isBefore(expiresAt);
    }
}
