package dev.tollgate.broker;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Cancelling scrip, independent of HTTP (docs/PROTOCOL.md section 10, "Cancelling scrip"): a seller that will never
 * charge a scrip it was handed (the browser flow refused the purchase it was issued for) asks the broker, with a
 * seller-signed {@code tollgate-cancel+jwt}, to return its whole budget to the buyer at once rather than at its expiry.
 * Verified like a redemption batch ({@link SellerTokens}: EdDSA, the seller's key by {@code kid}, {@code aud},
 * {@code iat}/{@code exp}). Only scrip of that seller on which nothing was redeemed or charged online is returned;
 * a scrip already returned (cancelled before, or by expiry) is answered as returned again. Thread-safe.
 */
final class ScripCancels {

    static final String CANCEL_TYPE = "tollgate-cancel+jwt";
    /** Longest lifetime ({@code exp - iat}) of a cancel request. */
    static final Duration MAX_LIFETIME = Duration.ofSeconds(60);
    /** Largest body: a cancel request is about 500 bytes. */
    static final int MAX_BODY_BYTES = 4 * 1024;

    private static final Set<String> CLAIMS = Set.of("iss", "aud", "iat", "exp", "nbf", "jti", "scrip");

    /**
     * A returned scrip.
     *
     * @param scrip the scrip's jti
     * @param returned what went back to the buyer's balance (the budget, for a scrip cancelled now)
     */
    record Returned(String scrip, long returned) {
    }

    private final Database database;
    private final SellerTokens tokens;
    private final Clock clock;

    ScripCancels(Database database, SellerTokens tokens, Clock clock) {
        this.database = database;
        this.tokens = tokens;
        this.clock = clock;
    }

    /**
     * Verifies a cancel request and returns the scrip's budget to its buyer, in one transaction.
     *
     * @throws ApiException 400/401 for a bad request (nothing changed); 404 {@code unknown_scrip}, 403
     *         {@code wrong_seller}, or 409 {@code scrip_used} (something was redeemed or charged on it: it is returned
     *         at its expiry, less what was redeemed)
     */
    Returned cancel(String compact) throws ApiException, SQLException {
        SellerTokens.Verified request = tokens.verify(compact, CANCEL_TYPE, MAX_LIFETIME, "expired_request");
        ObjectNode body = request.claims();
        JsonMembers.allowOnly(body, CLAIMS, "claim");
        SellerTokens.requestId(body, "the request id");
        String scrip = SellerTokens.scripId(body, "the jti of the scrip to cancel");
        String seller = request.seller().id();
        Object outcome = database.write(c -> {
            ScripStore.HeldScrip held = ScripStore.held(c, scrip);
            if (held == null) {
                return new ApiException(404, "unknown_scrip", "no scrip with this jti was issued by this broker");
            }
            if (!held.seller().equals(seller)) {
                return new ApiException(403, "wrong_seller", "the scrip was issued for another seller");
            }
            if (held.status().equals("returned")) {
                return new Returned(scrip, returned(c, scrip));
            }
            if (held.redeemed() > 0 || !held.status().equals("active")) {
                return new ApiException(409, "scrip_used", "something was redeemed or charged on this scrip; what"
                        + " is left of it returns to the buyer at its expiry");
            }
            ScripStore.returnToBuyer(c, scrip, held.buyer(), held.budget(), clock.instant().getEpochSecond());
            return new Returned(scrip, held.budget());
        });
        if (outcome instanceof ApiException refused) {
            throw refused;
        }
        return (Returned) outcome;
    }

    private static long returned(java.sql.Connection c, String scrip) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT returned FROM scrip WHERE jti = ?")) {
            ps.setString(1, scrip);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }
}
