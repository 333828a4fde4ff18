package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.protocol.Money;

/**
 * Online charges, independent of HTTP (docs/PROTOCOL.md section 7): a seller-signed charge request is verified like a
 * redemption batch ({@link SellerTokens}), charged in one transaction ({@link Store#charge}) and confirmed with a JWS
 * signed by the broker's current key. Thread-safe.
 */
final class Charges {

    static final String CHARGE_TYPE = "tollgate-charge+jwt";
    static final String CONFIRMATION_TYPE = "tollgate-confirmation+jwt";
    /** Longest lifetime ({@code exp - iat}) of a charge request. */
    static final Duration MAX_CHARGE_LIFETIME = Duration.ofSeconds(60);

    private static final Set<String> CHARGE_CLAIMS = Set.of("iss", "aud", "iat", "exp", "nbf", "jti", "scrip",
            "amount");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A confirmed charge: the store's result and the broker-signed confirmation. */
    record Confirmed(String charge, Store.ChargeResult result, String confirmation) {
    }

    private final Store store;
    private final SellerTokens tokens;
    private final ScripSigner signer;
    private final String issuer;

    Charges(Store store, SellerTokens tokens, ScripSigner signer, String issuer) {
        this.store = store;
        this.tokens = tokens;
        this.signer = signer;
        this.issuer = issuer;
    }

    /**
     * Verifies and performs a charge; a retry of a recorded charge gets the same answer and charges nothing more.
     *
     * @throws ApiException 400/401 for a bad request (nothing changed); 404 {@code unknown_scrip}, 403
     *         {@code wrong_seller}, 410 {@code expired}, 409 {@code insufficient_budget} (with {@code remaining}) or
     *         409 {@code charge_conflict} (this charge id was used with another scrip or amount)
     */
    Confirmed charge(String compact) throws ApiException, SQLException {
        SellerTokens.Verified request = tokens.verify(compact, CHARGE_TYPE, MAX_CHARGE_LIFETIME, "expired_request");
        ObjectNode body = request.claims();
        SellerTokens.allowOnly(body, CHARGE_CLAIMS);
        String jti = SellerTokens.requestId(body, "the charge id");
        String scrip = SellerTokens.text(body, "scrip");
        if (scrip == null || scrip.isEmpty() || scrip.length() > 128) {
            throw SellerTokens.invalid("'scrip' is required: the scrip's jti");
        }
        String amountText = SellerTokens.text(body, "amount");
        long amount;
        try {
            amount = Money.parseMicros(amountText == null ? "" : amountText);
        } catch (IllegalArgumentException e) {
            amount = 0;
        }
        if (amount <= 0) {
            throw SellerTokens.invalid("'amount' must be the micro-units to charge, a decimal string such as"
                    + " \"50000\", from 1 to " + Long.MAX_VALUE);
        }
        String seller = request.seller().id();
        Store.ChargeResult result = store.charge(seller, jti, scrip, amount);
        switch (result.status()) {
            case CHARGED, REPEATED -> {
                ObjectNode claims = JSON.createObjectNode();
                claims.put("iss", issuer);
                claims.put("aud", seller);
                claims.put("charge", jti);
                claims.put("scrip", scrip);
                claims.put("amount", Long.toString(amount));
                // The time the charge was recorded, so that a retry gets the same confirmation (with the same key).
                claims.put("iat", result.chargedAt());
                return new Confirmed(jti, result, signer.sign(CONFIRMATION_TYPE, claims).token());
            }
            case CONFLICT -> throw new ApiException(409, "charge_conflict", "charge '" + ApiException.printable(jti)
                    + "' was already recorded with another scrip or amount");
            case UNKNOWN_SCRIP -> throw new ApiException(404, "unknown_scrip", "no scrip with this jti was issued"
                    + " by this broker");
            case WRONG_SELLER -> throw new ApiException(403, "wrong_seller", "the scrip was issued for another"
                    + " seller");
            case EXPIRED -> throw new ApiException(410, "expired", "the scrip has expired or been returned to its"
                    + " buyer");
            case INSUFFICIENT_BUDGET -> throw new ApiException(409, "insufficient_budget", "what is left on the"
                    + " scrip (" + result.remaining() + " micro-units) does not cover " + amount + "; nothing was"
                    + " charged").with("remaining", Long.toString(result.remaining()));
            default -> throw new IllegalStateException("unexpected charge result " + result.status());
        }
    }
}
