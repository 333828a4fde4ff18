package dev.tollgate.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Base64;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Reads compact JWS (RFC 7515, section 7.1) signed with Ed25519: splits one into its three base64url parts, reads a
 * part's JSON, checks the signature. Only the reading: which header is required and what a refusal is called stay
 * with the caller ({@link SellerTokens} for seller requests, {@link PayWordClaims} for PayWord certificates and
 * commitments). Pure functions; thread-safe.
 */
final class CompactJws {

    private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]*");
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private CompactJws() {
    }

    /** A JSON reader that refuses duplicate members and anything after the value, so a token has one reading. */
    static ObjectMapper strictJson() {
        return JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /**
     * The header, payload and signature of {@code compact}; each may be empty.
     *
     * @throws IllegalArgumentException saying why it is not three base64url parts separated by '.'
     */
    static String[] split(String compact) {
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("three base64url parts separated by '.' are required");
        }
        for (String part : parts) {
            if (!B64URL.matcher(part).matches()) {
                throw new IllegalArgumentException("the parts must be base64url without padding");
            }
        }
        return parts;
    }

    /**
     * The JSON of a header or payload part, read with {@code json}; null or not an object is for the caller to refuse.
     *
     * @throws IllegalArgumentException if the part is not base64url of JSON
     */
    static JsonNode json(ObjectMapper json, String part) {
        try {
            return json.readTree(DECODER.decode(part));
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON", e);
        }
    }

    /** Whether the signature part of {@code parts} is {@code key}'s Ed25519 signature of the other two. */
    static boolean verifiesEd25519(String[] parts, PublicKey key) {
        try {
            byte[] signature = DECODER.decode(parts[2]);
            if (signature.length != 64) {
                return false;
            }
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(signature);
        } catch (SignatureException | InvalidKeyException | IllegalArgumentException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available", e);
        }
    }

    /** The string member {@code field} of {@code node}, or null if it is missing or not a string. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}
