package dev.tollgate.broker;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tollgate.broker.TestBrokers.Answer;

/** A seller in the tests: its own Ed25519 key pair, registered at the broker, signing JWS like a gateway would. */
final class TestSellers {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private TestSellers() {
    }

    /** A seller id, its key pair and its kid (computed here, independently of the broker). */
    record Key(String id, KeyPair pair, String kid) {
    }

    static KeyPair newKeyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Generates a key pair and registers seller {@code id} with it. */
    static Key register(Broker broker, String id) {
        KeyPair pair = newKeyPair();
        broker.registerSeller(Seller.of(id, "Seller " + id,
                Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()), List.of("https://" + id + ".example")));
        return new Key(id, pair, thumbprint(pair));
    }

    /** RFC 7638: SHA-256 of {"crv":"Ed25519","kty":"OKP","x":"..."}, base64url. */
    static String thumbprint(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        String canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + B64URL.encodeToString(x) + "\"}";
        try {
            return B64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode header(String kid, String typ) {
        ObjectNode h = JSON.createObjectNode();
        h.put("alg", "EdDSA");
        h.put("kid", kid);
        h.put("typ", typ);
        return h;
    }

    /** A batch payload: iss = the seller, aud = the test issuer, iat = now, exp = now + 5 min. */
    static ObjectNode batch(Key seller, long now, Map<String, String> claims) {
        ObjectNode p = JSON.createObjectNode();
        p.put("iss", seller.id());
        p.put("aud", TestBrokers.ISSUER);
        p.put("iat", now);
        p.put("exp", now + 300);
        p.put("jti", "batch-" + Long.toHexString(System.nanoTime()));
        ArrayNode list = p.putArray("claims");
        claims.forEach((jti, spent) -> list.addObject().put("jti", jti).put("spent", spent));
        return p;
    }

    static String sign(PrivateKey key, ObjectNode header, ObjectNode payload) {
        try {
            String input = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + B64URL.encodeToString(JSON.writeValueAsBytes(payload));
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64URL.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs and posts a batch of {@code claims} (scrip jti to cumulative spent) now. */
    static Answer redeem(Broker broker, Key seller, long now, Map<String, String> claims) {
        return post(broker, sign(seller.pair().getPrivate(), header(seller.kid(), Settlement.REDEMPTION_TYPE),
                batch(seller, now, claims)));
    }

    static Answer post(Broker broker, String jws) {
        return post(broker, jws, "application/jose");
    }

    static Answer post(Broker broker, String body, String contentType) {
        return TestBrokers.send(TestBrokers.request(broker, ApiHandler.REDEMPTIONS_PATH, null)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** A statement request token for {@code path}, valid from {@code now} for 2 minutes. */
    static String statementToken(Key seller, long now, String path) {
        ObjectNode p = JSON.createObjectNode();
        p.put("iss", seller.id());
        p.put("aud", TestBrokers.ISSUER);
        p.put("iat", now);
        p.put("exp", now + 120);
        p.put("htu", path);
        return sign(seller.pair().getPrivate(), header(seller.kid(), Settlement.STATEMENT_TYPE), p);
    }

    static Answer statement(Broker broker, String sellerId, String authorization) {
        HttpRequest.Builder r = TestBrokers.request(broker, "/v1/sellers/" + sellerId + "/statement", null).GET();
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return TestBrokers.send(r.build());
    }
}
