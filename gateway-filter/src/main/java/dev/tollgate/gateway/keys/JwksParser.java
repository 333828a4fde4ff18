package dev.tollgate.gateway.keys;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.protocol.JacksonBuffers;
import io.jsonwebtoken.io.Parser;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.PublicJwk;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a JWKS document into the {@code kid -> PublicKey} map {@link BrokerKeys} serves.
 *
 * <p>Kept: {@code kty: OKP, crv: Ed25519} and {@code kty: EC, crv: P-256} public keys with a non-empty {@code kid},
 * whose {@code use} (if present) is {@code sig}, whose {@code key_ops} (if present) include {@code verify}, and whose
 * {@code alg} (if present) fits the curve. Everything else is skipped with a DEBUG log naming the kid, except a key
 * carrying private material ({@code d}), which is skipped with a WARN.
 *
 * <p>A {@code kid} that appears more than once (among otherwise usable keys) is ambiguous: we cannot know which key
 * the broker signs with, so all keys with that kid are dropped and a WARN is logged. Scrip signed under it then fails
 * with {@code unknown_key} until the broker fixes its JWKS. Failing closed beats guessing.
 *
 * <p>Keys are re-created with the Bouncy Castle provider (see {@link Crypto}) so that verification uses BC's fast
 * implementation.
 */
final class JwksParser {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerKeys.class);

    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build());
    }

    private JwksParser() {
    }

    /**
     * @return the usable keys, possibly empty
     * @throws IOException if the document is not a JSON object with a {@code keys} array
     */
    static Map<String, PublicKey> parse(byte[] body) throws IOException {
        JsonNode root = JSON.readTree(body);
        if (root == null || !root.isObject()) {
            throw new IOException("JWKS is not a JSON object");
        }
        JsonNode keys = root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new IOException("JWKS has no 'keys' array");
        }
        Map<String, PublicKey> result = new LinkedHashMap<>();
        Set<String> duplicates = new HashSet<>();
        for (JsonNode node : keys) {
            String kid = text(node, "kid");
            if (!node.isObject() || kid == null || kid.isEmpty()) {
                LOG.debug("Skipping a JWKS entry without a kid");
                continue;
            }
            PublicKey key = toKey(node, kid);
            if (key == null) {
                continue;
            }
            if (result.containsKey(kid) || duplicates.contains(kid)) {
                duplicates.add(kid);
                result.remove(kid);
                continue;
            }
            result.put(kid, key);
        }
        for (String kid : duplicates) {
            LOG.warn("Broker JWKS lists kid '{}' more than once; ignoring every key with that kid",
                    BrokerKeys.printable(kid));
        }
        return Collections.unmodifiableMap(new HashMap<>(result));
    }

    private static PublicKey toKey(JsonNode node, String kid) {
        String safeKid = BrokerKeys.printable(kid);
        if (node.has("d")) {
            LOG.warn("Broker JWKS key '{}' contains private key material; ignoring it", safeKid);
            return null;
        }
        String use = text(node, "use");
        if (node.has("use") && !"sig".equals(use)) {
            LOG.debug("Skipping JWKS key '{}': use is not 'sig'", safeKid);
            return null;
        }
        if (node.has("key_ops") && !containsText(node.get("key_ops"), "verify")) {
            LOG.debug("Skipping JWKS key '{}': key_ops lacks 'verify'", safeKid);
            return null;
        }
        String kty = text(node, "kty");
        String crv = text(node, "crv");
        String alg = text(node, "alg");
        String jcaName;
        if ("OKP".equals(kty) && "Ed25519".equals(crv)) {
            jcaName = "Ed25519";
            if (node.has("alg") && !"EdDSA".equals(alg) && !"Ed25519".equals(alg)) {
                LOG.debug("Skipping JWKS key '{}': alg does not fit Ed25519", safeKid);
                return null;
            }
        } else if ("EC".equals(kty) && "P-256".equals(crv)) {
            jcaName = "EC";
            if (node.has("alg") && !"ES256".equals(alg)) {
                LOG.debug("Skipping JWKS key '{}': alg does not fit P-256", safeKid);
                return null;
            }
        } else {
            LOG.debug("Skipping JWKS key '{}': unsupported kty/crv", safeKid);
            return null;
        }
        try {
            Parser<Jwk<?>> parser = Jwks.parser().json(Crypto.JWT_JSON).build();
            Jwk<?> jwk = parser.parse(JacksonBuffers.text(node));
            if (!(jwk instanceof PublicJwk<?>) || !(jwk.toKey() instanceof PublicKey)) {
                LOG.debug("Skipping JWKS key '{}': not a public key", safeKid);
                return null;
            }
            byte[] encoded = ((PublicKey) jwk.toKey()).getEncoded();
            return KeyFactory.getInstance(jcaName, Crypto.BC).generatePublic(new X509EncodedKeySpec(encoded));
        } catch (RuntimeException | GeneralSecurityException e) {
            LOG.debug("Skipping JWKS key '{}': invalid key ({})", safeKid, e.getClass().getSimpleName());
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static boolean containsText(JsonNode array, String wanted) {
        if (array == null || !array.isArray()) {
            return false;
        }
        for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
            JsonNode e = it.next();
            if (e.isTextual() && wanted.equals(e.textValue())) {
                return true;
            }
        }
        return false;
    }
}
