package dev.tollgate.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.protocol.Scrip;

/**
 * Signs scrip as a compact JWS with the current key of a {@link KeyRing}: header
 * {@code {"alg":"EdDSA","kid":...,"typ":"tollgate-scrip+jwt"}}, claims {@code iss sub aud jti iat nbf exp budget cur}
 * (docs/PROTOCOL.md, section 2); also other broker-signed tokens such as charge confirmations (section 7). Uses
 * the JDK's Ed25519. Thread-safe.
 */
final class ScripSigner {

    /** The claims of one scrip. {@code budget} is in micro-units; times are whole seconds. */
    record Claims(String issuer, String subject, String audience, String jti, Instant issuedAt, Instant expiresAt,
                  long budget, String currency) {
    }

    /** A signed token and the kid that signed it. */
    record Signed(String token, String kid) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final KeyRing keys;

    ScripSigner(KeyRing keys) {
        this.keys = keys;
    }

    Signed sign(Claims claims) {
        return sign(keys.current(), claims);
    }

    /** Scrip signed with {@code key}: the same claims and key always give the same token (Ed25519 is deterministic). */
    Signed sign(KeyRing.SigningKey key, Claims claims) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("iss", claims.issuer());
        payload.put("sub", claims.subject());
        payload.put("aud", claims.audience());
        payload.put("jti", claims.jti());
        payload.put("iat", claims.issuedAt().getEpochSecond());
        payload.put("nbf", claims.issuedAt().getEpochSecond());
        payload.put("exp", claims.expiresAt().getEpochSecond());
        payload.put(Scrip.BUDGET, Long.toString(claims.budget()));
        payload.put(Scrip.CURRENCY, claims.currency());
        return sign(key, Scrip.TYPE, payload);
    }

    /** A compact JWS of {@code payload} with header {@code {"alg":"EdDSA","kid":<current>,"typ":typ}}. */
    Signed sign(String typ, ObjectNode payload) {
        return sign(keys.current(), typ, payload);
    }

    /** The key with this kid, current or retired, while the key file still holds it. */
    java.util.Optional<KeyRing.SigningKey> key(String kid) {
        return keys.key(kid);
    }

    /** The key that signs from now on (for callers that record which key signed). */
    KeyRing.SigningKey currentKey() {
        return keys.current();
    }

    /** A compact JWS of {@code payload} signed with {@code key}. */
    Signed sign(KeyRing.SigningKey key, String typ, ObjectNode payload) {
        ObjectNode header = JSON.createObjectNode();
        header.put("alg", "EdDSA");
        header.put("kid", key.kid());
        header.put("typ", typ);
        String input = encode(header) + "." + encode(payload);
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(key.privateKey());
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return new Signed(input + "." + B64URL.encodeToString(signature.sign()), key.kid());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a " + typ + " with key " + key.kid(), e);
        }
    }

    private static String encode(ObjectNode node) {
        try {
            return B64URL.encodeToString(JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
