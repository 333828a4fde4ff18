package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.protocol.Money;

/**
 * Online charges, independent of HTTP (docs/PROTOCOL.md section 7): a seller-signed charge request is verified like a
 * redemption batch ({@link SellerTokens}), charged in one transaction ({@link ChargeStore#charge}) and confirmed
 * with a JWS signed by the broker's current key. A seller-signed void request takes charges back
 * ({@link VoidStore}). Thread-safe.
 */
final class Charges {

    static final String CHARGE_TYPE = "tollgate-charge+jwt";
    static final String CONFIRMATION_TYPE = "tollgate-confirmation+jwt";
    static final String VOID_TYPE = "tollgate-void+jwt";
    /** Longest lifetime ({@code exp - iat}) of a charge request. */
    static final Duration MAX_CHARGE_LIFETIME = Duration.ofSeconds(60);
    /** Longest lifetime of a void request: as a redemption batch's (a void is idempotent, a replay changes nothing). */
    static final Duration MAX_VOID_LIFETIME = Duration.ofMinutes(10);
    /** Most charge ids in one void request. */
    static final int MAX_VOIDS = 100;

    private static final Set<String> CHARGE_CLAIMS = Set.of("iss", "aud", "iat", "exp", "nbf", "jti", "scrip",
            "amount", "ledger");
    private static final Set<String> VOID_CLAIMS = Set.of("iss", "aud", "iat", "exp", "nbf", "jti", "charges");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A confirmed charge: the store's result and the broker-signed confirmation. */
    record Confirmed(String charge, ChargeStore.ChargeResult result, String confirmation) {
    }

    private final ChargeStore store;
    private final SellerTokens tokens;
    private final ScripSigner signer;
    private final String issuer;

    Charges(ChargeStore store, SellerTokens tokens, ScripSigner signer, String issuer) {
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
        JsonMembers.allowOnly(body, CHARGE_CLAIMS, "claim");
        String jti = SellerTokens.requestId(body, "the charge id");
        String scrip = SellerTokens.scripId(body, "the scrip's jti");
        String amountText = CompactJws.text(body, "amount");
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
        String ledger = ScripLedgers.parse(body, "the charge request");
        String seller = request.seller().id();
        ChargeStore.ChargeResult result = store.charge(seller, jti, scrip, ledger, amount);
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
            case TOO_MANY_LEDGERS -> throw new ApiException(409, "too_many_ledgers", "the scrip was redeemed from "
                    + ScripLedgers.MAX_PER_SCRIP + " other ledgers of this seller already; nothing was charged");
            case VOIDED -> throw new ApiException(409, "charge_voided", "charge '" + ApiException.printable(jti)
                    + "' was voided by the seller; it is not charged");
            default -> throw new IllegalStateException("unexpected charge result " + result.status());
        }
    }

    /**
     * Verifies a void request and voids the charges it names, in one transaction: a recorded charge's amount goes back
     * to its buyer, a charge id never charged gets a tombstone (its charge request is refused if it comes later), a
     * charge voided before is unchanged. Idempotent.
     *
     * @return {@code {"results": [{"charge", "status", ...}]}} in the order of the request's ids
     * @throws ApiException 400/401 for a bad request, 429 {@code too_many_voids} if the seller would hold more than
     *     {@link VoidStore#MAX_TOMBSTONES_PER_SELLER} tombstones (nothing changed either way)
     */
    ObjectNode voidCharges(String compact) throws ApiException, SQLException {
        SellerTokens.Verified request = tokens.verify(compact, VOID_TYPE, MAX_VOID_LIFETIME, "expired_request");
        ObjectNode body = request.claims();
        JsonMembers.allowOnly(body, VOID_CLAIMS, "claim");
        SellerTokens.requestId(body, "the request id");
        JsonNode list = body.get("charges");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_VOIDS) {
            throw SellerTokens.invalid("'charges' must be an array of 1 to " + MAX_VOIDS + " charge ids");
        }
        List<String> ids = new ArrayList<>(list.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String id = list.get(i).isTextual() ? list.get(i).textValue() : null;
            if (!isChargeId(id)) {
                throw SellerTokens.invalid("charges[" + i + "] must be a charge id, 1 to 128 printable ASCII"
                        + " characters");
            }
            if (!seen.add(id)) {
                throw SellerTokens.invalid("charges[" + i + "]: charge '" + ApiException.printable(id)
                        + "' is named more than once");
            }
            ids.add(id);
        }
        List<VoidStore.Result> results = store.voidCharges(request.seller().id(), ids);
        if (results == null) {
            throw new ApiException(429, "too_many_voids", "this seller holds too many tombstones of charges voided"
                    + " before they were charged; retry in a few minutes");
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode answers = out.putArray("results");
        for (VoidStore.Result r : results) {
            ObjectNode o = answers.addObject();
            o.put("charge", r.charge());
            o.put("status", r.status().wire());
            if (r.scrip() != null) {
                o.put("scrip", r.scrip());
                o.put("amount", Long.toString(r.amount()));
                o.put("redeemed", Long.toString(r.redeemed()));
            }
        }
        return out;
    }

    /** A charge id: 1 to 128 printable ASCII characters (the gateway's receipt id). */
    private static boolean isChargeId(String id) {
        return id != null && !id.isEmpty() && id.length() <= 128 && ApiException.printableAscii(id);
    }
}
