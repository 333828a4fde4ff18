package dev.tollgate.gateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import java.io.IOException;

/**
 * A config value with the line and column it was written at, so that a value that parses but makes no sense
 * ("price: -1") is reported where the admin wrote it.
 */
@JsonDeserialize(using = Located.Deserializer.class)
record Located<T>(T value, int line, int column) {

    String where() {
        return line + ":" + column;
    }

    /**
     * {@code value}, or {@code null} (as if not written) when it resolved to nothing: an optional file or address
     * written as a placeholder with an empty default ({@code ${name:-}}), so one file serves a single node and a
     * cluster.
     */
    static Located<String> unlessEmpty(Located<String> value) {
        return value == null || value.value() == null || value.value().isBlank() ? null : value;
    }

    /** Records the token's position, then reads the wrapped value with its own deserializer. */
    static final class Deserializer extends JsonDeserializer<Located<?>> implements ContextualDeserializer {

        private final JavaType valueType;

        Deserializer() {
            this(null);
        }

        private Deserializer(JavaType valueType) {
            this.valueType = valueType;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext context, BeanProperty property) {
            JavaType wrapper = property != null ? property.getType() : context.getContextualType();
            return new Deserializer(wrapper.containedType(0));
        }

        @Override
        public Located<?> deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonLocation at = parser.currentTokenLocation();
            Object value = context.readValue(parser, valueType);
            return new Located<>(value, at.getLineNr(), at.getColumnNr());
        }
    }
}
