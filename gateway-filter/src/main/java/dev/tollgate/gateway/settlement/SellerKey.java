package dev.tollgate.gateway.settlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.keys.OwnerOnlyFiles;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seller's Ed25519 key, which signs redemption batches. Generated at first start into
 * {@code <data-dir>/seller-key.json} (a private OKP JWK, owner-only: {@code rw-------}) and reused afterwards; a key
 * file that group or others may access is refused. Only the public half is ever logged or exposed. Thread-safe.
 */
final class SellerKey {

    static final String FILE_NAME = "seller-key.json";

    private static final Logger LOG = LoggerFactory.getLogger(SellerKey.class);
    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper().build();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Ed25519PrivateKeyParameters privateKey;
    private final byte[] rawPublicKey;
    private final String thumbprint;
    private final String publicJwk;

    private SellerKey(Ed25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.rawPublicKey = privateKey.generatePublicKey().getEncoded();
        String x = B64URL.encodeToString(rawPublicKey);
        this.publicJwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + x + "\"}";
        this.thumbprint = thumbprint(rawPublicKey);
    }

    /**
     * Reads the key from {@code dataDir}, or generates and stores one if there is none.
     *
     * @throws IllegalStateException if the file exists but group or others may access it, or it is not a key
     */
    static SellerKey loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        OwnerOnlyFiles.Content content = OwnerOnlyFiles.readOrCreate(file, SellerKey::generate, "the seller key",
                "delete it to generate a new key (then register the new public key at the broker)");
        SellerKey key = parse(file, content.bytes());
        if (content.created()) {
            LOG.info("Generated the seller key {} (thumbprint {}): register this public key at the broker: {}",
                    file, key.thumbprint, key.publicJwk);
        } else {
            LOG.info("Seller key {} (thumbprint {}); its public half, as registered at the broker: {}", file,
                    key.thumbprint, key.publicJwk);
        }
        return key;
    }

    /**
     * Reads the key provisioned at {@code file} ({@code settlement.seller-key-file}): the one key every node of a
     * cluster signs with. Never generated here: a node with a key of its own would be another seller at the broker.
     *
     * @throws IllegalStateException if group or others may access the file, or it is not a key
     */
    static SellerKey load(Path file) throws IOException {
        SellerKey key = parse(file, OwnerOnlyFiles.read(file, "the seller key",
                "provision a new key to every node (then register its public key at the broker)"));
        LOG.info("Seller key {} (thumbprint {}), provisioned; its public half, as registered at the broker: {}", file,
                key.thumbprint, key.publicJwk);
        return key;
    }

    /** A new private JWK. */
    private static byte[] generate() {
        Ed25519PrivateKeyParameters generated = new Ed25519PrivateKeyParameters(new SecureRandom());
        byte[] publicKey = generated.generatePublicKey().getEncoded();
        return ("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + B64URL.encodeToString(publicKey) + "\",\"d\":\""
                + B64URL.encodeToString(generated.getEncoded()) + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }

    private static SellerKey parse(Path file, byte[] bytes) {
        JsonNode jwk;
        try {
            jwk = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("the seller key " + file + " is not JSON: " + e.getMessage(), e);
        }
        if (jwk == null || !"OKP".equals(jwk.path("kty").asText()) || !"Ed25519".equals(jwk.path("crv").asText())
                || !jwk.path("d").isTextual()) {
            throw new IllegalStateException("the seller key " + file + " is not an Ed25519 private JWK");
        }
        byte[] d;
        try {
            d = Base64.getUrlDecoder().decode(jwk.get("d").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the seller key " + file + " has a bad 'd': " + e.getMessage(), e);
        }
        if (d.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IllegalStateException("the seller key " + file + " has a 'd' of " + d.length
                    + " bytes; Ed25519 needs " + Ed25519PrivateKeyParameters.KEY_SIZE);
        }
        SellerKey key = new SellerKey(new Ed25519PrivateKeyParameters(d, 0));
        if (jwk.path("x").isTextual() && !jwk.get("x").asText().equals(B64URL.encodeToString(key.rawPublicKey))) {
            throw new IllegalStateException("the seller key " + file + " has an 'x' that does not match its 'd'");
        }
        return key;
    }

    /** The RFC 7638 thumbprint of an Ed25519 public key: SHA-256 of the canonical JWK, base64url. */
    static String thumbprint(byte[] rawPublicKey) {
        String canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + B64URL.encodeToString(rawPublicKey)
                + "\"}";
        try {
            return B64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** An Ed25519 signature (64 bytes) of {@code message}. */
    byte[] sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /**
     * A compact JWS of {@code claims}, EdDSA, signed with this key: header {@code alg}, {@code kid} (the thumbprint)
     * and {@code typ}, as PROTOCOL.md sections 6 and 7 have it.
     */
    String signJws(String typ, com.fasterxml.jackson.databind.node.ObjectNode claims) {
        com.fasterxml.jackson.databind.node.ObjectNode header = JSON.createObjectNode();
        header.put("alg", "EdDSA");
        header.put("kid", thumbprint);
        header.put("typ", typ);
        String signingInput = B64URL.encodeToString(JacksonBuffers.text(header).getBytes(StandardCharsets.UTF_8)) + '.'
                + B64URL.encodeToString(JacksonBuffers.text(claims).getBytes(StandardCharsets.UTF_8));
        return signingInput + '.' + B64URL.encodeToString(sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * The claims every seller-signed request starts with: {@code iss} (the seller), {@code aud} (the broker's issuer),
     * {@code iat} and {@code exp}.
     */
    static com.fasterxml.jackson.databind.node.ObjectNode claims(String sellerId, String audience, long iat,
                                                                 long lifetimeSeconds) {
        com.fasterxml.jackson.databind.node.ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", sellerId);
        claims.put("aud", audience);
        claims.put("iat", iat);
        claims.put("exp", iat + lifetimeSeconds);
        return claims;
    }

    /** 128 random bits, base64url: the {@code jti} of a request that needs no other id. */
    static String randomId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return B64URL.encodeToString(id);
    }

    /** The RFC 7638 thumbprint: the {@code kid} of every batch, by which the broker finds the key. */
    String thumbprint() {
        return thumbprint;
    }

    /** The public half as an OKP JWK, JSON: {@code {"kty":"OKP","crv":"Ed25519","x":"..."}}. */
    String publicJwk() {
        return publicJwk;
    }

    /** The raw 32-byte public key. */
    byte[] rawPublicKey() {
        return rawPublicKey.clone();
    }
}
