package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Verifies compact JWS signed by a seller's registered Ed25519 key (redemption batches and statement requests,
 * docs/PROTOCOL.md section 6): header {@code alg} {@code EdDSA} only, {@code kid} the RFC 7638 thumbprint of the
 * seller's key, the expected {@code typ}, no {@code crit}; then the signature; then the claims {@code iss} (the
 * seller the key belongs to), {@code aud} (the broker's issuer) and {@code iat}/{@code exp} (present, whole
 * seconds, a lifetime of at most {@code maxLifetime}, not expired, not issued in the future, both with
 * {@link #SKEW}). The payload is parsed only after the signature verified. Thread-safe.
 */
final class SellerTokens {

    /** Clock difference tolerated between seller and broker. */
    static final Duration SKEW = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = CompactJws.strictJson();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(16).maxStringLength(RequestBodies.MAX_REDEMPTION_BODY_BYTES).maxNumberLength(40)
                .build());
    }

    /** A verified token: the seller that signed it and its claims. */
    record Verified(Seller seller, ObjectNode claims) {
    }

    private final SellerRegistry sellers;
    private final String issuer;
    private final Clock clock;

    SellerTokens(SellerRegistry sellers, String issuer, Clock clock) {
        this.sellers = sellers;
        this.issuer = issuer;
        this.clock = clock;
    }

    /**
     * Verifies {@code compact}.
     *
     * @throws ApiException 400 {@code invalid_request} (malformed, wrong {@code typ}, {@code iss}, {@code aud},
     *         times), 400 {@code expired_batch} / {@code expired_token} (past {@code exp}), 401 {@code unknown_key},
     *         401 {@code invalid_signature} (bad signature or an {@code alg} other than EdDSA)
     */
    Verified verify(String compact, String typ, Duration maxLifetime, String expiredCode)
            throws ApiException, SQLException {
        String[] parts;
        try {
            parts = CompactJws.split(compact);
        } catch (IllegalArgumentException e) {
            throw invalid("not a compact JWS: " + e.getMessage());
        }
        ObjectNode header = object(parts[0], "header");
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual() || !alg.textValue().equals("EdDSA")) {
            throw new ApiException(401, "invalid_signature", "the JWS 'alg' must be EdDSA; nothing else is accepted");
        }
        if (header.has("crit")) {
            throw invalid("the JWS header must not have 'crit'");
        }
        JsonNode type = header.get("typ");
        if (type == null || !type.isTextual() || !type.textValue().equals(typ)) {
            throw invalid("the JWS 'typ' must be " + typ);
        }
        JsonNode kid = header.get("kid");
        if (kid == null || !kid.isTextual() || kid.textValue().isEmpty() || kid.textValue().length() > 100) {
            throw invalid("the JWS header needs 'kid': the RFC 7638 thumbprint of the seller's registered key");
        }
        Optional<Seller> found = sellers.sellerByKeyThumbprint(kid.textValue());
        if (found.isEmpty()) {
            throw new ApiException(401, "unknown_key", "no seller key with this 'kid' (RFC 7638 thumbprint) is"
                    + " registered at this broker");
        }
        Seller seller = found.get();
        if (!CompactJws.verifiesEd25519(parts, seller.verificationKey())) {
            throw new ApiException(401, "invalid_signature", "the signature does not verify with the key of seller '"
                    + seller.id() + "'");
        }
        ObjectNode claims = object(parts[1], "payload");
        if (!seller.id().equals(CompactJws.text(claims, "iss"))) {
            throw invalid("'iss' must be the id of the seller the key is registered to");
        }
        if (!issuer.equals(CompactJws.text(claims, "aud"))) {
            throw invalid("'aud' must be this broker's issuer URL");
        }
        long iat = seconds(claims, "iat");
        long exp = seconds(claims, "exp");
        long now = clock.instant().getEpochSecond();
        if (exp < iat || exp - iat > maxLifetime.getSeconds()) {
            throw invalid("'exp' must be at most " + maxLifetime.getSeconds() + " seconds after 'iat'");
        }
        if (iat > now + SKEW.getSeconds()) {
            throw invalid("'iat' is in the future; check the clock");
        }
        if (exp + SKEW.getSeconds() < now) {
            throw ApiException.badRequest(expiredCode, "the token expired at " + exp + " (now " + now
                    + "); sign a fresh one");
        }
        return new Verified(seller, claims);
    }

    private static ObjectNode object(String part, String what) throws ApiException {
        JsonNode node;
        try {
            node = CompactJws.json(JSON, part);
        } catch (IllegalArgumentException e) {
            throw invalid("the JWS " + what + " is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw invalid("the JWS " + what + " must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private static long seconds(ObjectNode claims, String field) throws ApiException {
        JsonNode value = claims.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            throw invalid("'" + field + "' is required: whole seconds since the epoch");
        }
        return value.longValue();
    }

    /** The request's {@code jti} ({@code what} it names, for the refusal): 1 to 128 printable ASCII characters. */
    static String requestId(ObjectNode claims, String what) throws ApiException {
        String jti = CompactJws.text(claims, "jti");
        if (jti == null || jti.isEmpty() || jti.length() > 128 || !ApiException.printableAscii(jti)) {
            throw invalid("'jti' is required: " + what + ", 1 to 128 printable ASCII characters");
        }
        return jti;
    }

    /** The {@code scrip} claim of a charge or cancel request: a scrip's jti, 1 to 128 characters. */
    static String scripId(ObjectNode claims, String what) throws ApiException {
        String scrip = CompactJws.text(claims, "scrip");
        if (scrip == null || scrip.isEmpty() || scrip.length() > 128) {
            throw invalid("'scrip' is required: " + what);
        }
        return scrip;
    }

    static ApiException invalid(String message) {
        return ApiException.badRequest("invalid_request", message);
    }
}
