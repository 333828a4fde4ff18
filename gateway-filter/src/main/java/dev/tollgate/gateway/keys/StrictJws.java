package dev.tollgate.gateway.keys;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.util.Base64;

/**
 * Reads compact JWS segments exactly as strictly as the broker does at settlement (docs/PROTOCOL.md section 8), so
 * that the gateway never accepts a certificate or commitment the broker would refuse: every segment is canonical
 * unpadded base64url (no {@code =}, no other characters, unused trailing bits zero), and a JSON segment is one
 * object with no duplicate members and nothing after it. Stateless and thread-safe.
 */
final class StrictJws {

    private static final ObjectMapper JSON = JacksonBuffers.jsonMapper()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private StrictJws() {
    }

    /**
     * The bytes of a canonical unpadded base64url segment.
     *
     * @throws IllegalArgumentException if it is empty, padded, has another character or is not canonical
     */
    static byte[] decode(String segment) {
        int length = segment.length();
        if (length == 0 || length % 4 == 1) {
            throw new IllegalArgumentException("not base64url");
        }
        for (int i = 0; i < length; i++) {
            if (value(segment.charAt(i)) < 0) {
                throw new IllegalArgumentException("not unpadded base64url");
            }
        }
        // The last character of a partial group carries bits no byte uses: they must be zero.
        int last = value(segment.charAt(length - 1));
        int unused = length % 4 == 2 ? 0x0f : length % 4 == 3 ? 0x03 : 0;
        if ((last & unused) != 0) {
            throw new IllegalArgumentException("not canonical base64url");
        }
        return DECODER.decode(segment);
    }

    /**
     * The JSON object a segment encodes, or {@code null} if it is not canonical base64url of exactly one JSON
     * object.
     */
    static JsonNode object(String segment) {
        try {
            JsonNode node = JSON.readTree(decode(segment));
            return node != null && node.isObject() ? node : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }
}
