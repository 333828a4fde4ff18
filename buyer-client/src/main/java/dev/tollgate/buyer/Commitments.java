package dev.tollgate.buyer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.protocol.PayWord;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.UUID;

/**
 * Signs PayWord commitments (docs/PROTOCOL.md section 8): a compact JWS, {@code alg} {@code EdDSA}, {@code typ}
 * {@code tollgate-payword+jwt}, with the claims {@code aud}, {@code cert}, {@code root}, {@code n}, {@code unit},
 * {@code iat}, {@code exp} and a random {@code jti}. Stateless and thread-safe.
 */
final class Commitments {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private Commitments() {
    }

    static String sign(PrivateKey key, String seller, String certificate, byte[] root, int n, long unit, long iat,
                       long exp) {
        ObjectNode header = JSON.createObjectNode().put("alg", "EdDSA").put("typ", PayWord.COMMITMENT_TYPE);
        ObjectNode claims = JSON.createObjectNode().put("aud", seller).put("cert", certificate)
                .put("root", PayWord.encodeWord(root)).put("n", n).put("unit", Long.toString(unit))
                .put("iat", iat).put("exp", exp).put("jti", UUID.randomUUID().toString());
        try {
            String input = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
            Signature ed = Signature.getInstance("Ed25519");
            ed.initSign(key);
            ed.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64URL.encodeToString(ed.sign());
        } catch (JsonProcessingException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a commitment: " + e, e);
        }
    }
}
