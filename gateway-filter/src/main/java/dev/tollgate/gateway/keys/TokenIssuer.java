package dev.tollgate.gateway.keys;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Base64;

/**
 * The issuer a compact JWS claims, read from its unverified payload only to choose whose keys verify it
 * ({@link BrokerVerification}): never trusted as such, since the verifier of that broker checks the signature with
 * that broker's keys alone and then the verified {@code iss} again. Stateless and thread-safe.
 */
final class TokenIssuer {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private TokenIssuer() {
    }

    /**
     * The string value of the payload's top-level {@code iss}, or {@code null} if the token has no readable one (not
     * three segments, a payload that is not base64url JSON, no {@code iss}, or one that is not a string).
     */
    static String of(String jws) {
        int first = jws.indexOf('.');
        int second = first < 0 ? -1 : jws.indexOf('.', first + 1);
        if (second < 0) {
            return null;
        }
        byte[] payload;
        try {
            payload = DECODER.decode(jws.substring(first + 1, second));
        } catch (IllegalArgumentException e) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(payload)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals("iss")) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
