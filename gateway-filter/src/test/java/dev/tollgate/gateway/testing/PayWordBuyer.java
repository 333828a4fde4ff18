package dev.tollgate.gateway.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.tollgate.protocol.PayWord;
import dev.tollgate.protocol.PayWordChain;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;

/**
 * A PayWord buyer for tests (docs/PROTOCOL.md section 8): an Ed25519 key, a broker certificate of it signed with a
 * {@link TestBroker} key, a hash chain and the commitment to it, and the payment headers that spend it. JSON and
 * signatures are made by hand (Jackson + JDK providers), independent of the gateway's verification code, and every
 * header and claim can be overridden, so hostile certificates and commitments are possible.
 *
 * <p>Defaults: certificate {@code iss} the broker's ({@link TestBroker#ISSUER} unless made as another), network
 * {@code tollgate:test}, {@code sub} {@link TestBroker#BUYER}, limit
 * {@code "1000000"}, {@code cur} USD, one hour; commitment for {@link TestBroker#SELLER}, {@code n} 100,
 * {@code unit} {@code "10000"} (1 cent), 30 minutes. Not thread-safe.
 */
public final class PayWordBuyer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TestBroker broker;
    private final KeyPair buyerKey = TestBroker.generate("Ed25519");
    private final Map<String, Object> certHeader = new LinkedHashMap<>();
    private final Map<String, Object> certClaims = new LinkedHashMap<>();
    private final Map<String, Object> commitmentHeader = new LinkedHashMap<>();
    private final Map<String, Object> commitmentClaims = new LinkedHashMap<>();
    private String certKid;
    private KeyPair commitmentKey = buyerKey;
    private PayWordChain chain;
    private boolean withCertificate = true;
    private String certificateSuffix = "";
    private String commitmentSuffix = "";
    private boolean padded;
    private String network = "tollgate:test";

    public PayWordBuyer(TestBroker broker) {
        this.broker = broker;
        Instant now = broker.clock().instant();
        certKid = broker.currentKid();
        certHeader.put("typ", PayWord.CERTIFICATE_TYPE);
        certClaims.put("iss", broker.issuer());
        certClaims.put("sub", TestBroker.BUYER);
        certClaims.put("jti", "cert-" + UUID.randomUUID());
        certClaims.put("iat", now.getEpochSecond());
        certClaims.put("exp", now.plus(Duration.ofHours(1)).getEpochSecond());
        certClaims.put("cnf", Map.of("jwk", publicJwk(buyerKey)));
        certClaims.put("limit", "1000000");
        certClaims.put("cur", TestBroker.CURRENCY);
        commitmentHeader.put("typ", PayWord.COMMITMENT_TYPE);
        commitmentClaims.put("aud", TestBroker.SELLER);
        commitmentClaims.put("unit", "10000");
        commitmentClaims.put("iat", now.getEpochSecond());
        commitmentClaims.put("exp", now.plus(Duration.ofMinutes(30)).getEpochSecond());
        commitmentClaims.put("jti", UUID.randomUUID().toString());
        chain(PayWordChain.generate(100, RANDOM));
    }

    /** Commits to this chain ({@code root} and {@code n} follow it). */
    public PayWordBuyer chain(PayWordChain chain) {
        this.chain = chain;
        commitmentClaims.put("root", PayWord.encodeWord(chain.root()));
        commitmentClaims.put("n", chain.length());
        return this;
    }

    /** A fresh random chain of {@code length} words. */
    public PayWordBuyer length(int length) {
        return chain(PayWordChain.generate(length, RANDOM));
    }

    /** Micro-units per word. */
    public PayWordBuyer unit(long micros) {
        return commitmentClaim("unit", Long.toString(micros));
    }

    /** Sets a certificate claim; {@code null} removes it. */
    public PayWordBuyer certificateClaim(String name, Object value) {
        put(certClaims, name, value);
        return this;
    }

    /** Sets a certificate header; {@code null} removes it. */
    public PayWordBuyer certificateHeader(String name, Object value) {
        put(certHeader, name, value);
        return this;
    }

    /** Signs the certificate with this broker key (published or not) and names it in {@code kid}. */
    public PayWordBuyer certificateSignedBy(String kid) {
        this.certKid = kid;
        return this;
    }

    /** Sets a commitment claim; {@code null} removes it. */
    public PayWordBuyer commitmentClaim(String name, Object value) {
        put(commitmentClaims, name, value);
        return this;
    }

    /** Sets a commitment header; {@code null} removes it. */
    public PayWordBuyer commitmentHeader(String name, Object value) {
        put(commitmentHeader, name, value);
        return this;
    }

    /** Signs the commitment with another key than the certified one. */
    public PayWordBuyer commitmentSignedBy(KeyPair key) {
        this.commitmentKey = key;
        return this;
    }

    /** Leaves the {@code cert} claim out of the commitment. */
    public PayWordBuyer withoutCertificate() {
        this.withCertificate = false;
        return this;
    }

    /** Appends raw text after the certificate's claims JSON (before base64url), e.g. a trailing token. */
    public PayWordBuyer certificateClaimsSuffix(String text) {
        this.certificateSuffix = text;
        return this;
    }

    /** Appends raw text after the commitment's claims JSON (before base64url), e.g. a trailing token. */
    public PayWordBuyer commitmentClaimsSuffix(String text) {
        this.commitmentSuffix = text;
        return this;
    }

    /** Encodes every JSON segment with {@code =} padding (whitespace is added so that there is some to see). */
    public PayWordBuyer padded() {
        this.padded = true;
        return this;
    }

    public PayWordChain chain() {
        return chain;
    }

    /** The certificate JWS. */
    public String certificate() {
        KeyPair pair = broker.keyPair(certKid);
        boolean ec = pair.getPrivate() instanceof ECPrivateKey;
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", ec ? "ES256" : "EdDSA");
        h.put("kid", certKid);
        h.putAll(certHeader);
        return sign(h, certClaims, certificateSuffix, pair.getPrivate(), ec);
    }

    /** The commitment JWS; Ed25519 is deterministic, so the same settings give the same JWS (and id). */
    public String commitment() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", "EdDSA");
        h.putAll(commitmentHeader);
        Map<String, Object> claims = new LinkedHashMap<>(commitmentClaims);
        if (withCertificate) {
            claims.putIfAbsent("cert", certificate());
        }
        return sign(h, claims, commitmentSuffix, commitmentKey.getPrivate(), false);
    }

    public String commitmentId() {
        return PayWord.commitmentId(commitment());
    }

    /** Pays on this x402 network from now on. */
    public PayWordBuyer on(String value) {
        this.network = value;
        return this;
    }

    /** A {@code PAYMENT-SIGNATURE} carrying the commitment and {@code w_index}. */
    public String payWithCommitment(int index) {
        return header(Map.of(PayWord.COMMITMENT, commitment(), PayWord.INDEX, index,
                PayWord.WORD, PayWord.encodeWord(chain.word(index))), network);
    }

    /** A {@code PAYMENT-SIGNATURE} carrying only the commitment's id and {@code w_index}. */
    public String payById(int index) {
        return payById(index, chain.word(index));
    }

    /** A {@code PAYMENT-SIGNATURE} carrying only the commitment's id and any word as {@code w_index}. */
    public String payById(int index, byte[] word) {
        return header(Map.of(PayWord.COMMITMENT_ID, commitmentId(), PayWord.INDEX, index,
                PayWord.WORD, PayWord.encodeWord(word)), network);
    }

    /** A PayWord {@code PAYMENT-SIGNATURE} with any payload, agreeing to pay up to 1 USD on {@code tollgate:test}. */
    public static String header(Map<String, Object> payload) {
        return header(payload, "tollgate:test");
    }

    private static String header(Map<String, Object> payload, String network) {
        PaymentRequirements accepted = new PaymentRequirements(PayWord.SCHEME, network, "1000000", "USD",
                TestBroker.SELLER, 60, Map.of());
        return X402Codec.encodeHeader(new PaymentPayload(2, new ResourceInfo("http://shop.test/", "", ""), accepted,
                payload, null));
    }

    /** Signs any bytes as a commitment's header and payload with the buyer's commitment key. */
    public String signCommitment(byte[] header, byte[] payload) {
        return ScripBuilder.signRaw(commitmentKey, header, payload);
    }

    /** Signs any bytes as a certificate's header and payload with the broker key the certificate names. */
    public String signCertificate(byte[] header, byte[] payload) {
        return broker.signRaw(certKid, header, payload);
    }

    /** The public half of an Ed25519 key pair as a JWK map. */
    public static Map<String, Object> publicJwk(KeyPair pair) {
        byte[] encoded = pair.getPublic().getEncoded();
        byte[] x = java.util.Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
        return Map.of("kty", "OKP", "crv", "Ed25519", "x", B64URL.encodeToString(x));
    }

    /** A new Ed25519 key pair, e.g. to sign a commitment with an uncertified key. */
    public static KeyPair newKey() {
        return TestBroker.generate("Ed25519");
    }

    private static void put(Map<String, Object> map, String name, Object value) {
        if (value == null) {
            map.remove(name);
        } else {
            map.put(name, value);
        }
    }

    private String sign(Map<String, Object> header, Map<String, Object> claims, String suffix, PrivateKey key,
                        boolean ec) {
        String input = encode(header, "") + "." + encode(claims, suffix);
        try {
            java.security.Signature s = java.security.Signature.getInstance(
                    ec ? "SHA256withECDSAinP1363Format" : "Ed25519");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64URL.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private String encode(Map<String, Object> map, String suffix) {
        try {
            String json = JSON.writeValueAsString(map) + suffix;
            if (!padded) {
                return B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
            }
            while (json.getBytes(StandardCharsets.UTF_8).length % 3 != 1) {
                json += " ";
            }
            return Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
