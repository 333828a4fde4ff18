package dev.tollgate.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/**
 * Encodes and decodes the x402 v2 records as JSON and as HTTP header values (standard base64 with padding of UTF-8
 * JSON, as the official x402 libraries write them).
 *
 * <p>Decoding treats its input as hostile: the header length is bounded before any work, base64 and base64url are
 * both accepted, JSON nesting, string and number sizes are bounded, duplicate keys and trailing data are rejected,
 * unknown properties are ignored for forward compatibility, and missing required fields fail. Failure messages never
 * echo the input, which may hold a bearer token.
 *
 * <p>Stateless and thread-safe: one {@link ObjectMapper} is configured once and shared.
 *
 * @since 0.1
 */
public final class X402Codec {

    /** The longest header value decoded: 16 KiB, far above any honest payload and well under server limits. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;

    /** The deepest JSON nesting decoded; x402 documents nest about five levels, extension schemas a few more. */
    public static final int MAX_NESTING_DEPTH = 32;

    /** The largest JSON document {@link #fromJson} decodes. */
    private static final int MAX_DOCUMENT_BYTES = 1024 * 1024;

    private static final ObjectMapper MAPPER = createMapper();

    private X402Codec() {
    }

    /**
     * Returns {@code value} as an x402 header value: base64 (standard alphabet, padded) of its UTF-8 JSON.
     *
     * @param value a record of this package, such as {@link PaymentRequired}
     * @return the header value
     * @throws IllegalArgumentException if {@code value} holds something that cannot be written as JSON
     */
    public static String encodeHeader(Object value) {
        return Base64.getEncoder().encodeToString(toJson(value));
    }

    /**
     * Returns {@code value} as UTF-8 JSON, omitting null properties.
     *
     * @param value a record of this package
     * @return the JSON bytes
     * @throws IllegalArgumentException if {@code value} holds something that cannot be written as JSON
     */
    public static byte[] toJson(Object value) {
        Objects.requireNonNull(value, "value cannot be null.");
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON.", e);
        }
    }

    /**
     * Decodes UTF-8 JSON of at most 1 MiB into {@code type}, with the checks of {@link #decodeHeader}.
     *
     * @param json the JSON bytes
     * @param type the record type to decode
     * @param <T> the record type
     * @return the decoded record
     * @throws MalformedPaymentException if {@code json} is not a valid {@code type}
     */
    public static <T> T fromJson(byte[] json, Class<T> type) throws MalformedPaymentException {
        Objects.requireNonNull(json, "json cannot be null.");
        Objects.requireNonNull(type, "type cannot be null.");
        if (json.length > MAX_DOCUMENT_BYTES) {
            throw new MalformedPaymentException("body is longer than " + MAX_DOCUMENT_BYTES + " bytes");
        }
        return read(json, type, "body");
    }

    /**
     * Decodes an x402 header value (base64 or base64url, padded or not, of UTF-8 JSON) into {@code type}.
     *
     * <p>For {@link PaymentRequired} and {@link PaymentPayload} the {@code x402Version} must be
     * {@link PaymentHeaders#X402_VERSION}.
     *
     * @param headerValue the header value; null is treated as empty
     * @param type the record type to decode
     * @param <T> the record type
     * @return the decoded record
     * @throws MalformedPaymentException with the reason, if the value is not a valid {@code type}
     */
    public static <T> T decodeHeader(String headerValue, Class<T> type) throws MalformedPaymentException {
        Objects.requireNonNull(type, "type cannot be null.");
        if (headerValue == null || headerValue.isEmpty()) {
            throw new MalformedPaymentException("header is empty");
        }
        if (headerValue.length() > MAX_HEADER_BYTES) {
            throw new MalformedPaymentException("header is longer than " + MAX_HEADER_BYTES + " bytes");
        }
        byte[] json;
        try {
            json = decoderFor(headerValue).decode(headerValue);
        } catch (IllegalArgumentException e) {
            throw new MalformedPaymentException("header is not base64");
        }
        return read(json, type, "header");
    }

    private static Base64.Decoder decoderFor(String value) {
        // Clients differ: browsers' btoa gives standard base64, some libraries base64url. A value mixing both
        // alphabets fails in the decoder chosen here.
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '-' || c == '_') {
                return Base64.getUrlDecoder();
            }
        }
        return Base64.getDecoder();
    }

    private static <T> T read(byte[] json, Class<T> type, String subject) throws MalformedPaymentException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (StreamConstraintsException e) {
            throw new MalformedPaymentException(subject + " is not JSON: it exceeds the nesting or size limits");
        } catch (JsonProcessingException e) {
            throw new MalformedPaymentException(subject + " is not JSON: " + syntaxReason(e));
        } catch (IOException e) {
            throw new MalformedPaymentException(subject + " is not JSON: unreadable");
        }
        if (tree == null || tree.isMissingNode()) {
            throw new MalformedPaymentException(subject + " is not JSON: no content");
        }
        if (!tree.isObject()) {
            throw new MalformedPaymentException(subject + " is not a JSON object");
        }
        if (type == PaymentRequired.class || type == PaymentPayload.class) {
            checkVersion(tree.get("x402Version"));
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (ValueInstantiationException e) {
            if (e.getCause() instanceof Wire.MissingFieldException missing) {
                throw new MalformedPaymentException("missing field '" + path(e, missing.field()) + "'");
            }
            String reason = e.getCause() instanceof IllegalArgumentException invalid ? invalid.getMessage() : "";
            throw new MalformedPaymentException("invalid " + type.getSimpleName() + ": " + reason);
        } catch (MismatchedInputException e) {
            String message = String.valueOf(e.getOriginalMessage());
            String missing = missingCreatorProperty(message);
            if (missing != null) {
                throw new MalformedPaymentException("missing field '" + path(e, missing) + "'");
            }
            if (message.startsWith("Cannot map `null`")) {
                throw new MalformedPaymentException("missing field '" + path(e, null) + "'");
            }
            throw new MalformedPaymentException("field '" + path(e, null) + "' has the wrong type");
        } catch (JsonProcessingException e) {
            throw new MalformedPaymentException(subject + " is not a valid " + type.getSimpleName());
        }
    }

    private static void checkVersion(JsonNode version) throws MalformedPaymentException {
        if (version == null) {
            throw new MalformedPaymentException("missing field 'x402Version'");
        }
        if (version.isIntegralNumber() && version.canConvertToInt()
                && version.intValue() == PaymentHeaders.X402_VERSION) {
            return;
        }
        String got = version.isIntegralNumber() ? version.asText() : "a " + version.getNodeType().name()
                .toLowerCase(Locale.ROOT);
        throw new MalformedPaymentException("x402Version must be " + PaymentHeaders.X402_VERSION + ", got " + got);
    }

    /** Jackson's messages quote the offending input, so only the kind and position of the error are reported. */
    private static String syntaxReason(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.startsWith("Duplicate field")) {
            return "duplicate key";
        }
        if (e instanceof JsonEOFException || message.startsWith("Unexpected end-of-input")) {
            return "unexpected end of input";
        }
        if (message.contains("UTF-8") || message.contains("UTF8")) {
            return "invalid UTF-8";
        }
        if (message.startsWith("Trailing token")) {
            return "trailing data after the value";
        }
        long offset = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
        return offset >= 0 ? "syntax error at byte " + offset : "syntax error";
    }

    /** Jackson states a missing creator property only in its message: "Missing required creator property 'x'". */
    private static String missingCreatorProperty(String message) {
        if (!message.startsWith("Missing required creator property '")) {
            return null;
        }
        int start = message.indexOf('\'') + 1;
        int end = message.indexOf('\'', start);
        return end > start ? message.substring(start, end) : null;
    }

    /** Renders where decoding failed, such as {@code accepts[0].payTo}; {@code leaf} is appended unless present. */
    private static String path(JsonMappingException e, String leaf) {
        StringBuilder path = new StringBuilder();
        String last = null;
        for (JsonMappingException.Reference reference : e.getPath()) {
            last = reference.getFieldName();
            if (last != null) {
                path.append(path.isEmpty() ? "" : ".").append(last);
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        if (leaf != null && !leaf.equals(last)) {
            path.append(path.isEmpty() ? "" : ".").append(leaf);
        }
        return path.toString();
    }

    private static ObjectMapper createMapper() {
        JsonFactory factory = JsonFactory.builder()
                .recyclerPool(JacksonBuffers.pool())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxStringLength(MAX_HEADER_BYTES)
                        .maxNameLength(256)
                        .maxNumberLength(32)
                        .maxDocumentLength(MAX_DOCUMENT_BYTES)
                        .build())
                .build();
        JsonMapper mapper = JsonMapper.builder(factory)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .defaultPropertyInclusion(
                        JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
                .build();
        // x402 amounts are strings; a number where a string belongs is a client bug, not something to guess at.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }
}
