package dev.tollgate.gateway.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Builds scrip, honest or hostile. Every header and claim can be overridden or removed; JSON and signatures are
 * produced by hand (Jackson + JCA), independent of jjwt, so malformed tokens are possible.
 *
 * <p>Defaults: {@code typ} {@code tollgate-scrip+jwt}, {@code kid} and key of the broker's current key, issuer
 * the broker's ({@link TestBroker#ISSUER} unless made as another), audience {@link TestBroker#SELLER}, subject
 * {@link TestBroker#BUYER}, a random {@code jti}, budget {@code "100000"}, currency {@code USD}, {@code iat} and
 * {@code nbf} now, {@code exp} now + 1 h (by the broker's clock). Not thread-safe.
 */
public final class ScripBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();

    private final TestBroker broker;
    private final Map<String, Object> header = new LinkedHashMap<>();
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private String signingKid;

    ScripBuilder(TestBroker broker, String kid) {
        this.broker = broker;
        this.signingKid = kid;
        Instant now = broker.clock().instant();
        header.put("typ", "tollgate-scrip+jwt");
        header.put("kid", kid);
        claims.put("iss", broker.issuer());
        claims.put("sub", TestBroker.BUYER);
        claims.put("aud", TestBroker.SELLER);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", now.plus(Duration.ofHours(1)).getEpochSecond());
        claims.put("budget", "100000");
        claims.put("cur", TestBroker.CURRENCY);
    }

    public ScripBuilder issuer(String iss) {
        return claim("iss", iss);
    }

    /** A string, or e.g. a {@code List} for an array audience. */
    public ScripBuilder audience(Object aud) {
        return claim("aud", aud);
    }

    public ScripBuilder subject(String sub) {
        return claim("sub", sub);
    }

    public ScripBuilder jti(String jti) {
        return claim("jti", jti);
    }

    /** Usually a decimal string; anything else (a number, a list) to test rejection. */
    public ScripBuilder budget(Object budget) {
        return claim("budget", budget);
    }

    public ScripBuilder currency(String cur) {
        return claim("cur", cur);
    }

    public ScripBuilder issuedAt(Instant iat) {
        return claim("iat", iat.getEpochSecond());
    }

    public ScripBuilder notBefore(Instant nbf) {
        return claim("nbf", nbf.getEpochSecond());
    }

    public ScripBuilder expiresAt(Instant exp) {
        return claim("exp", exp.getEpochSecond());
    }

    /** Sets any claim; {@code null} removes it. */
    public ScripBuilder claim(String name, Object value) {
        if (value == null) {
            claims.remove(name);
        } else {
            claims.put(name, value);
        }
        return this;
    }

    public ScripBuilder without(String claim) {
        claims.remove(claim);
        return this;
    }

    /** Sets any header; {@code null} removes it. {@code alg} defaults to the signing key's algorithm. */
    public ScripBuilder header(String name, Object value) {
        if (value == null) {
            header.remove(name);
        } else {
            header.put(name, value);
        }
        return this;
    }

    public ScripBuilder withoutHeader(String name) {
        header.remove(name);
        return this;
    }

    /** The {@code kid} header only; the signing key stays. */
    public ScripBuilder kid(String kid) {
        return header("kid", kid);
    }

    public ScripBuilder typ(String typ) {
        return header("typ", typ);
    }

    /** Signs with this broker key (published or retired) and names it in {@code kid}. */
    public ScripBuilder signedBy(String kid) {
        this.signingKid = kid;
        return header("kid", kid);
    }

    /** Signs with the broker's ES256 key. */
    public ScripBuilder es256() {
        return signedBy(broker.es256Kid());
    }

    /** A random kid the broker never published (the signing key stays). */
    public ScripBuilder withUnknownKid() {
        return kid("forged-" + UUID.randomUUID());
    }

    /** Adds {@code crit: [name]} and the named header. */
    public ScripBuilder withCrit(String name) {
        header.put(name, true);
        return header("crit", List.of(name));
    }

    /** The compact JWS. */
    public String sign() {
        KeyPair pair = broker.keyPair(signingKid);
        boolean ec = pair.getPrivate() instanceof ECPrivateKey;
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", ec ? "ES256" : "EdDSA");
        h.putAll(header);
        String input = encode(h) + "." + encode(claims);
        byte[] signature = jcaSign(pair.getPrivate(), ec, input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + B64URL.encodeToString(signature);
    }

    /** Signs any bytes as header and payload with {@code pair} (Ed25519, or ES256 for an EC key). */
    static String signRaw(KeyPair pair, byte[] header, byte[] payload) {
        boolean ec = pair.getPrivate() instanceof ECPrivateKey;
        String input = B64URL.encodeToString(header) + "." + B64URL.encodeToString(payload);
        return input + "." + B64URL.encodeToString(jcaSign(pair.getPrivate(), ec,
                input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** {@code alg: none} and an empty signature. */
    public String algNone() {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", "none");
        return encode(h) + "." + encode(claims) + ".";
    }

    /** {@code alg: HS256}, MACed with the X.509 encoding of the signing key's public half (key confusion). */
    public String hs256WithPublicKey() {
        Map<String, Object> h = new LinkedHashMap<>(header);
        h.put("alg", "HS256");
        String input = encode(h) + "." + encode(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(broker.publicKey(signingKid).getEncoded(), "HmacSHA256"));
            return input + "." + B64URL.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A properly signed token with one bit of the signature flipped. */
    public String tamperedSignature() {
        String token = sign();
        int dot = token.lastIndexOf('.');
        byte[] signature = B64URL_DECODER.decode(token.substring(dot + 1));
        signature[signature.length / 2] ^= 0x01;
        return token.substring(0, dot + 1) + B64URL.encodeToString(signature);
    }

    private static String encode(Map<String, Object> map) {
        try {
            return B64URL.encodeToString(JSON.writeValueAsBytes(map));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] jcaSign(PrivateKey key, boolean ec, byte[] input) {
        try {
            java.security.Signature s = java.security.Signature.getInstance(
                    ec ? "SHA256withECDSAinP1363Format" : "Ed25519");
            s.initSign(key);
            s.update(input);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
