package dev.tollgate.gateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;
import java.util.function.UnaryOperator;

/**
 * A YAML parser that hands out every string scalar with its {@link Placeholders} resolved, so the mapper, the
 * validator and the positions in messages all see the value the admin meant, where the admin wrote it. Keys are
 * never resolved. Each scalar is resolved once, when it is read.
 */
final class PlaceholderParser extends JsonParserDelegate {

    /** A placeholder that cannot be resolved, with the position of the scalar that holds it. */
    static final class UnresolvedException extends JsonParseException {
        private static final long serialVersionUID = 1L;

        UnresolvedException(JsonParser parser, String message, JsonLocation at) {
            super(parser, message, at);
        }
    }

    private final UnaryOperator<String> lookup;
    private String resolved;

    PlaceholderParser(JsonParser parser, UnaryOperator<String> lookup) {
        super(parser);
        this.lookup = lookup;
    }

    @Override
    public JsonToken nextToken() throws IOException {
        JsonToken token = delegate.nextToken();
        resolved = token == JsonToken.VALUE_STRING ? resolve(delegate.getText()) : null;
        return token;
    }

    @Override
    public String nextTextValue() throws IOException {
        return nextToken() == JsonToken.VALUE_STRING ? resolved : null;
    }

    @Override
    public JsonToken nextValue() throws IOException {
        JsonToken token = nextToken();
        return token == JsonToken.FIELD_NAME ? nextToken() : token;
    }

    @Override
    public boolean nextFieldName(com.fasterxml.jackson.core.SerializableString name) throws IOException {
        return nextToken() == JsonToken.FIELD_NAME && name.getValue().equals(delegate.currentName());
    }

    @Override
    public String nextFieldName() throws IOException {
        return nextToken() == JsonToken.FIELD_NAME ? delegate.currentName() : null;
    }

    @Override
    public String getText() throws IOException {
        return resolved != null && delegate.currentToken() == JsonToken.VALUE_STRING ? resolved : delegate.getText();
    }

    @Override
    public String getValueAsString() throws IOException {
        return resolved != null && delegate.currentToken() == JsonToken.VALUE_STRING ? resolved
                : delegate.getValueAsString();
    }

    @Override
    public String getValueAsString(String defaultValue) throws IOException {
        return resolved != null && delegate.currentToken() == JsonToken.VALUE_STRING ? resolved
                : delegate.getValueAsString(defaultValue);
    }

    @Override
    public char[] getTextCharacters() throws IOException {
        return resolved != null && delegate.currentToken() == JsonToken.VALUE_STRING ? resolved.toCharArray()
                : delegate.getTextCharacters();
    }

    @Override
    public int getTextLength() throws IOException {
        return resolved != null && delegate.currentToken() == JsonToken.VALUE_STRING ? resolved.length()
                : delegate.getTextLength();
    }

    @Override
    public int getTextOffset() throws IOException {
        return resolved != null && delegate.currentToken() == JsonToken.VALUE_STRING ? 0 : delegate.getTextOffset();
    }

    @Override
    public boolean hasTextCharacters() {
        return resolved == null && delegate.hasTextCharacters();
    }

    @Override
    public int getText(java.io.Writer writer) throws IOException {
        String text = getText();
        writer.write(text);
        return text.length();
    }

    /** Where the scalar is, as messages name settings ({@code rules[0].price: }); empty at the top level. */
    private String setting() {
        StringBuilder setting = new StringBuilder();
        for (String part : delegate.getParsingContext().pathAsPointer().toString().split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            boolean index = part.chars().allMatch(Character::isDigit);
            setting.append(index ? "[" + part + "]" : (setting.length() == 0 ? "" : ".") + part);
        }
        return setting.length() == 0 ? "" : setting.append(": ").toString();
    }

    private String resolve(String text) throws JsonParseException {
        try {
            return Placeholders.resolve(text, lookup);
        } catch (IllegalArgumentException e) {
            throw new UnresolvedException(delegate, setting() + e.getMessage(), delegate.currentTokenLocation());
        }
    }
}
