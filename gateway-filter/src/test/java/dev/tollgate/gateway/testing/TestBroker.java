package dev.tollgate.gateway.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A payment broker for tests: it holds signing key pairs by kid, publishes them as a JWKS and signs scrip.
 *
 * <p>Starts with one Ed25519 key ({@code ed25519-1}, the current key) and one ES256 key ({@code es256-1}), their kids
 * after a prefix of its own if it has one. Keys are made with the JDK provider, independent of the Bouncy Castle path
 * the gateway verifies with. Its issuer is {@link #ISSUER} unless it is made as another broker. Thread-safe.
 */
public final class TestBroker {

    public static final String ISSUER = "https://broker.test";
    public static final String SELLER = "seller-1";
    public static final String BUYER = "buyer-1";
    public static final String CURRENCY = "USD";

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final Clock clock;
    private final String issuer;
    private final String kidPrefix;
    private final Map<String, KeyPair> keys = new LinkedHashMap<>();
    private final Map<String, KeyPair> retired = new LinkedHashMap<>();
    private final List<String> extraJwks = new ArrayList<>();
    private final String es256Kid;
    private String currentKid;
    private int ed25519Count;

    public TestBroker() {
        this(Clock.systemUTC());
    }

    /** @param clock the time {@link ScripBuilder} defaults ({@code iat}, {@code nbf}, {@code exp}) start from */
    public TestBroker(Clock clock) {
        this(clock, ISSUER, "");
    }

    /**
     * Another broker: scrip and certificates of {@code issuer}, kids starting with {@code kidPrefix} (empty for the
     * same kids as every other test broker, each its own key).
     */
    public TestBroker(Clock clock, String issuer, String kidPrefix) {
        this.clock = Objects.requireNonNull(clock, "clock cannot be null.");
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null.");
        this.kidPrefix = Objects.requireNonNull(kidPrefix, "kidPrefix cannot be null.");
        this.currentKid = newEd25519Key();
        this.es256Kid = kidPrefix + "es256-1";
        keys.put(es256Kid, generate("EC"));
    }

    public Clock clock() {
        return clock;
    }

    /** The {@code iss} of this broker's scrip and certificates. */
    public String issuer() {
        return issuer;
    }

    /** The kid new scrip is signed with. */
    public synchronized String currentKid() {
        return currentKid;
    }

    /** The kid of the ES256 key. */
    public String es256Kid() {
        return es256Kid;
    }

    /** Adds a new Ed25519 key and makes it current; the old keys stay published. @return the new kid */
    public synchronized String rotate() {
        currentKid = newEd25519Key();
        return currentKid;
    }

    /** Stops publishing a key (it can still sign, for tests of retired keys). */
    public synchronized void removeKey(String kid) {
        KeyPair pair = keys.remove(kid);
        if (pair == null) {
            throw new NoSuchElementException("no published key with kid " + kid);
        }
        retired.put(kid, pair);
    }

    /** Publishes an extra, raw JWK (e.g. an RSA key, a duplicate kid) next to the broker's own keys. */
    public synchronized void addRawJwk(String jwkJson) {
        extraJwks.add(Objects.requireNonNull(jwkJson, "jwkJson cannot be null."));
    }

    /** The public half of a key, published or not. */
    public synchronized PublicKey publicKey(String kid) {
        return keyPair(kid).getPublic();
    }

    synchronized KeyPair keyPair(String kid) {
        KeyPair pair = keys.containsKey(kid) ? keys.get(kid) : retired.get(kid);
        if (pair == null) {
            throw new NoSuchElementException("no key pair with kid " + kid);
        }
        return pair;
    }

    /** The JWKS of every published key. */
    public synchronized String jwksJson() {
        List<String> entries = new ArrayList<>();
        keys.forEach((kid, pair) -> entries.add(jwk(kid, pair.getPublic())));
        entries.addAll(extraJwks);
        return "{\"keys\":[" + String.join(",", entries) + "]}";
    }

    /** A scrip builder with sane defaults, signed by the current key. */
    public ScripBuilder scrip() {
        return new ScripBuilder(this, currentKid());
    }

    /**
     * Signs any bytes as a JWS header and payload with this broker key (published or retired): a validly signed
     * token over hostile JSON, for fuzzing what runs after the signature check.
     */
    public String signRaw(String kid, byte[] header, byte[] payload) {
        return ScripBuilder.signRaw(keyPair(kid), header, payload);
    }

    /** The JWK JSON of a public key under a kid (Ed25519 or P-256). */
    public static String jwk(String kid, PublicKey key) {
        if (key instanceof ECPublicKey) {
            ECPublicKey ec = (ECPublicKey) key;
            return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"sig\",\"alg\":\"ES256\",\"kid\":\"" + kid
                    + "\",\"x\":\"" + B64URL.encodeToString(unsigned32(ec.getW().getAffineX()))
                    + "\",\"y\":\"" + B64URL.encodeToString(unsigned32(ec.getW().getAffineY())) + "\"}";
        }
        byte[] encoded = key.getEncoded(); // X.509 SubjectPublicKeyInfo: 12-byte prefix, then the 32-byte key
        byte[] x = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
        return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"sig\",\"alg\":\"EdDSA\",\"kid\":\"" + kid
                + "\",\"x\":\"" + B64URL.encodeToString(x) + "\"}";
    }

    private String newEd25519Key() {
        String kid = kidPrefix + "ed25519-" + (++ed25519Count);
        keys.put(kid, generate("Ed25519"));
        return kid;
    }

    static KeyPair generate(String type) {
        try {
            if (type.equals("EC")) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                return g.generateKeyPair();
            }
            return KeyPairGenerator.getInstance(type).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] unsigned32(BigInteger n) {
        byte[] raw = n.toByteArray();
        byte[] out = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, out, 32 - copy, copy);
        return out;
    }
}
