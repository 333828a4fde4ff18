package dev.tollgate.broker;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A seller registered at the broker: scrip for it carries its {@code id} as {@code aud}.
 *
 * <p>Immutable and thread-safe. Create one with {@link #of}, which validates and normalizes every field.
 *
 * @param id the seller id: 1 to 64 ASCII letters, digits, {@code -}, {@code _} or {@code .}; the gateway's
 *        {@code payTo}
 * @param name the display name shown to buyers: 1 to 200 characters without control characters
 * @param publicKey the seller's Ed25519 public key, base64 (standard alphabet) of its X.509 SubjectPublicKeyInfo
 * @param origins the origins ({@code https://host[:port]}, or {@code http} on a loopback host) the broker may send a
 *        buyer back to; at least one
 * @since 0.1
 */
public record Seller(String id, String name, String publicKey, List<String> origins) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_NAME = 200;
    private static final int MAX_ORIGINS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Validates the components; use {@link #of} to accept a JWK or to normalize origins.
     *
     * @throws IllegalArgumentException naming the first bad field
     * @throws NullPointerException if a component is null
     */
    public Seller {
        Objects.requireNonNull(id, "id cannot be null.");
        Objects.requireNonNull(name, "name cannot be null.");
        Objects.requireNonNull(publicKey, "publicKey cannot be null.");
        Objects.requireNonNull(origins, "origins cannot be null.");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("seller id must be 1 to 64 ASCII letters, digits, '.', '-' or '_': '"
                    + id + "'");
        }
        if (name.isBlank() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("seller name must be 1 to " + MAX_NAME
                    + " characters without control characters");
        }
        ed25519FromSpki(publicKey);
        if (origins.isEmpty() || origins.size() > MAX_ORIGINS) {
            throw new IllegalArgumentException("a seller needs 1 to " + MAX_ORIGINS + " return origins, got "
                    + origins.size());
        }
        for (String origin : origins) {
            if (!normalizeOrigin(origin).equals(origin)) {
                throw new IllegalArgumentException("origin '" + origin + "' is not in normal form: "
                        + normalizeOrigin(origin));
            }
        }
        origins = List.copyOf(origins);
    }

    /**
     * Validates and normalizes a seller.
     *
     * @param id the seller id (see the record's description)
     * @param name the display name
     * @param publicKey the seller's Ed25519 public key: an OKP/Ed25519 JWK as JSON, or base64 of its X.509
     *        SubjectPublicKeyInfo
     * @param origins return origins such as {@code https://news.example}; normalized to lower case without a
     *        trailing slash
     * @return the seller
     * @throws IllegalArgumentException naming the first bad argument
     */
    public static Seller of(String id, String name, String publicKey, List<String> origins) {
        Objects.requireNonNull(publicKey, "publicKey cannot be null.");
        Objects.requireNonNull(origins, "origins cannot be null.");
        List<String> normalized = new ArrayList<>();
        for (String origin : origins) {
            String o = normalizeOrigin(origin);
            if (!normalized.contains(o)) {
                normalized.add(o);
            }
        }
        return new Seller(id, name == null ? null : name.strip(), toSpki(publicKey.strip()), normalized);
    }

    /** The public key as an OKP/Ed25519 JWK (without {@code kid}), JSON. */
    public String publicKeyJwk() {
        byte[] x = KeyRing.rawPublicKey(ed25519FromSpki(publicKey));
        return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(x) + "\"}";
    }

    /**
     * The RFC 7638 thumbprint (SHA-256, base64url) of the public key: the {@code kid} of the JWS the seller signs
     * (redemption batches, statement requests).
     */
    public String keyThumbprint() {
        return KeyRing.thumbprint(ed25519FromSpki(publicKey));
    }

    /** The public key as a JDK {@link PublicKey}, for verifying the seller's signatures. */
    PublicKey verificationKey() {
        return ed25519FromSpki(publicKey);
    }

    static String thumbprintOfSpki(String base64Spki) {
        return KeyRing.thumbprint(ed25519FromSpki(base64Spki));
    }

    private static String toSpki(String key) {
        if (!key.startsWith("{")) {
            return Base64.getEncoder().encodeToString(ed25519FromSpki(key).getEncoded());
        }
        JsonNode jwk;
        try {
            jwk = JSON.readTree(key);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("seller public key is neither base64 SPKI nor a JSON JWK");
        }
        if (jwk.has("d")) {
            throw new IllegalArgumentException("seller public key JWK contains a private key ('d'); send the public"
                    + " half only");
        }
        if (!"OKP".equals(jwk.path("kty").asText()) || !"Ed25519".equals(jwk.path("crv").asText())
                || !jwk.path("x").isTextual()) {
            throw new IllegalArgumentException("seller public key JWK must have kty OKP, crv Ed25519 and x");
        }
        byte[] x;
        try {
            x = Base64.getUrlDecoder().decode(jwk.get("x").asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("seller public key JWK 'x' is not base64url");
        }
        if (x.length != 32) {
            throw new IllegalArgumentException("seller public key JWK 'x' must be 32 bytes, got " + x.length);
        }
        // SubjectPublicKeyInfo of an Ed25519 key: the fixed 12-byte DER prefix, then the raw key.
        byte[] spki = new byte[44];
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        System.arraycopy(prefix, 0, spki, 0, 12);
        System.arraycopy(x, 0, spki, 12, 32);
        return Base64.getEncoder().encodeToString(ed25519FromSpki(Base64.getEncoder().encodeToString(spki))
                .getEncoded());
    }

    private static PublicKey ed25519FromSpki(String base64) {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("seller public key is not valid base64");
        }
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("seller public key is not an Ed25519 SubjectPublicKeyInfo");
        }
    }

    static String normalizeOrigin(String origin) {
        Objects.requireNonNull(origin, "origin cannot be null.");
        URI uri;
        try {
            uri = new URI(origin.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("origin '" + origin + "' is not a URI");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
        String path = uri.getRawPath();
        if (host == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || uri.getRawFragment() != null || path != null && !path.isEmpty() && !path.equals("/")) {
            throw new IllegalArgumentException("origin '" + origin
                    + "' must be scheme://host[:port] without user, path, query or fragment");
        }
        if (!scheme.equals("https") && !(scheme.equals("http") && LoopbackHosts.isLoopbackLiteral(host))) {
            throw new IllegalArgumentException("origin '" + origin
                    + "' must use https (http only on a loopback host)");
        }
        return scheme + "://" + host + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
    }
}
