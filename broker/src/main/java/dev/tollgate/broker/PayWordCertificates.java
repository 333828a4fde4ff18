package dev.tollgate.broker;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.Scrip;

/**
 * Certifies buyers' Ed25519 keys for PayWord (docs/PROTOCOL.md section 8): reserves the certificate's limit from the
 * buyer's balance and signs {@code {iss, sub, jti, iat, exp, cnf: {jwk}, limit, cur}} with the broker's current key
 * ({@code typ} {@value PayWord#CERTIFICATE_TYPE}). Thread-safe.
 */
final class PayWordCertificates {

    /** An issued certificate. */
    record Certified(String certificate, String id, long limit, Instant expiresAt) {
    }

    /** Members a buyer's public JWK may have. */
    private static final Set<String> JWK_MEMBERS = Set.of("kty", "crv", "x", "kid", "alg", "use", "key_ops");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final PayWordStore store;
    private final ScripSigner signer;
    private final Issuer issuer;

    PayWordCertificates(PayWordStore store, ScripSigner signer, Issuer issuer) {
        this.store = store;
        this.signer = signer;
        this.issuer = issuer;
    }

    /**
     * The raw 32-byte key of a buyer's public JWK: {@code kty} {@code OKP}, {@code crv} {@code Ed25519}, {@code x}
     * 43 base64url characters encoding a valid curve point of large order; a private {@code d} is refused.
     *
     * @throws ApiException 400 {@code invalid_key} naming what is wrong
     */
    static byte[] publicKey(JsonNode jwk) throws ApiException {
        if (jwk == null || !jwk.isObject()) {
            throw invalidKey("'publicKey' is required: the Ed25519 public JWK {\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                    + "\"x\":...} of the key that will sign commitments");
        }
        if (jwk.has("d")) {
            throw invalidKey("'publicKey' must be a public key: never send the private part 'd'");
        }
        for (Iterator<String> it = jwk.fieldNames(); it.hasNext(); ) {
            String member = it.next();
            if (!JWK_MEMBERS.contains(member)) {
                throw invalidKey("'publicKey' has an unexpected member; allowed: "
                        + String.join(", ", new java.util.TreeSet<>(JWK_MEMBERS)));
            }
        }
        if (!"OKP".equals(jwk.path("kty").textValue()) || !"Ed25519".equals(jwk.path("crv").textValue())) {
            throw invalidKey("'publicKey' must have \"kty\":\"OKP\" and \"crv\":\"Ed25519\"");
        }
        byte[] raw;
        try {
            // A key is 32 bytes like a word, with the same canonical base64url encoding.
            raw = PayWord.decodeWord(jwk.path("x").textValue());
        } catch (IllegalArgumentException e) {
            throw invalidKey("'publicKey.x' must be the 32-byte key as 43 base64url characters");
        }
        if (!Ed25519Keys.isValid(raw)) {
            throw invalidKey("'publicKey.x' is not a usable Ed25519 public key (not a curve point, or of small"
                    + " order)");
        }
        return raw;
    }

    /**
     * Reserves {@code limit} from the buyer's balance and signs a certificate of {@code buyerKey}.
     *
     * @throws ApiException 409 {@code insufficient_funds} (nothing reserved)
     */
    Certified certify(String account, byte[] buyerKey, long limit, Duration ttl) throws ApiException, SQLException {
        Instant now = Instant.ofEpochSecond(issuer.now().getEpochSecond());
        Instant expiresAt = now.plus(ttl);
        String id = Secrets.randomToken(16);
        String x = B64URL.encodeToString(buyerKey);
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", issuer.issuerUrl());
        claims.put("sub", issuer.pseudonym(account));
        claims.put("jti", id);
        claims.put("iat", now.getEpochSecond());
        claims.put("exp", expiresAt.getEpochSecond());
        ObjectNode jwk = claims.putObject("cnf").putObject("jwk");
        jwk.put("kty", "OKP");
        jwk.put("crv", "Ed25519");
        jwk.put("x", x);
        claims.put("limit", Long.toString(limit));
        claims.put(Scrip.CURRENCY, issuer.currency());
        KeyRing.SigningKey key = signer.currentKey();
        // Signing is pure computation: the certificate is handed out only if the reservation commits.
        ScripSigner.Signed signed = signer.sign(key, PayWord.CERTIFICATE_TYPE, claims);
        PayWordStore.Certificate row = new PayWordStore.Certificate(id, key.kid(),
                KeyRing.rawPublicKey(key.publicKey()), x, limit, expiresAt.getEpochSecond());
        if (!store.reserve(account, row, now)) {
            throw new ApiException(409, "insufficient_funds", "the balance does not cover a limit of " + limit
                    + " micro-units");
        }
        return new Certified(signed.token(), id, limit, expiresAt);
    }

    private static ApiException invalidKey(String message) {
        return ApiException.badRequest("invalid_key", message);
    }
}
