package dev.tollgate.gateway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.InvalidConfigException;
import dev.tollgate.protocol.JacksonBuffers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a YAML config file into a {@link GatewayConfig}: first its shape (Jackson stops at the first structural
 * problem), then every value, collecting all problems so the admin fixes them in one go. Settings a framework has
 * already bound from its properties ({@link #load(Map, String, Path)}) go through the same shape and the same
 * validators, so they are refused with the same messages.
 */
public final class ConfigLoader {

    /** Config files are small; a huge one is a mistake, not a config. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final ObjectMapper YAML = YAMLMapper
            .builder(YAMLFactory.builder().recyclerPool(JacksonBuffers.pool()).build())
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigLoader() {
    }

    public static GatewayConfig load(Path file) throws InvalidConfigException {
        return load(file, Placeholders::lookup);
    }

    /** Reads {@code file}, resolving placeholders with {@code lookup} (tests pass their own variables). */
    public static GatewayConfig load(Path file, java.util.function.UnaryOperator<String> lookup)
            throws InvalidConfigException {
        String name = file.toString();
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new InvalidConfigException(name, List.of(name + ": file is " + size
                        + " bytes; a config is at most " + MAX_FILE_BYTES));
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidConfigException(name, List.of(name + ": cannot read: " + e));
        }
        ConfigFile raw;
        try (JsonParser parser = new PlaceholderParser(YAML.getFactory().createParser(bytes), lookup)) {
            raw = YAML.readValue(parser, ConfigFile.class);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(name, List.of(describe(name, bytes, e)));
        } catch (IOException e) {
            throw new InvalidConfigException(name, List.of(name + ": cannot read: " + e));
        }
        if (raw == null) {
            throw new InvalidConfigException(name, List.of(name + ":1:1: the file is empty"));
        }
        Path base = file.toAbsolutePath().getParent();
        ConfigValidator validator = new ConfigValidator(name, base);
        GatewayConfig config = validator.validate(raw, file);
        if (!validator.problems().isEmpty()) {
            throw new InvalidConfigException(name, validator.problems());
        }
        return config;
    }

    /**
     * Reads settings already parsed into nested maps, lists and strings, keyed as in the file ({@code rules},
     * {@code jwks-url}): the Spring Boot starter binds them from {@code tollgate.*} properties. Placeholders are not
     * resolved again (the framework has resolved its own).
     *
     * @param prefix what problems name settings under: {@code tollgate} gives {@code tollgate.rules[0].price: ...}
     * @param base the folder relative paths ({@code data-dir}) are resolved against
     */
    public static GatewayConfig load(Map<String, ?> settings, String prefix, Path base)
            throws InvalidConfigException {
        ConfigFile raw;
        try (JsonParser parser = YAML.treeAsTokens(YAML.valueToTree(settings))) {
            raw = YAML.readValue(parser, ConfigFile.class);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(prefix, List.of(describeSetting(prefix, e)));
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(prefix, List.of(prefix + ": cannot read: " + e));
        }
        if (raw == null) {
            throw new InvalidConfigException(prefix, List.of(prefix + ": no settings"));
        }
        ConfigValidator validator = new ConfigValidator(ConfigProblems.ofProperties(prefix), base);
        GatewayConfig config = validator.validate(raw, base.resolve(prefix));
        if (!validator.problems().isEmpty()) {
            throw new InvalidConfigException(prefix, validator.problems());
        }
        return config;
    }

    /** Jackson's message about bound settings as {@code prefix.setting: problem}: they have no line and column. */
    private static String describeSetting(String prefix, JsonProcessingException e) {
        if (!(e instanceof JsonMappingException mapping)) {
            return prefix + ": " + firstLine(e.getOriginalMessage());
        }
        String setting = settingPath(mapping.getPath());
        String where = setting.isEmpty() ? prefix : (prefix + "." + setting).replace(".[", "[");
        if (e instanceof UnrecognizedPropertyException unknown) {
            return where + ": unknown setting '" + unknown.getPropertyName() + "' (known here: " + known(unknown) + ")";
        }
        return where + ": wrong kind of value: " + firstLine(mapping.getOriginalMessage());
    }

    /** Turns Jackson's verbose messages into {@code file:line:column: setting: problem}. */
    private static String describe(String file, byte[] yaml, JsonProcessingException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof PlaceholderParser.UnresolvedException unresolved) {
                JsonLocation at = unresolved.getLocation();
                return file + ":" + at.getLineNr() + ":" + at.getColumnNr() + ": " + unresolved.getOriginalMessage();
            }
        }
        JsonLocation at = e.getLocation();
        if (e instanceof UnrecognizedPropertyException) {
            // Records are read through a buffer that has lost positions: find the key in the file itself.
            UnrecognizedPropertyException unknown = (UnrecognizedPropertyException) e;
            at = locate(yaml, pointer(unknown.getPath()));
        } else if (e.getProcessor() instanceof JsonParser) {
            // The parser's current token is where the problem was written; the exception's own location is
            // often already past it.
            JsonLocation token = ((JsonParser) e.getProcessor()).currentTokenLocation();
            at = token.getLineNr() > 0 ? token : at;
        }
        if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("No content to map")) {
            return file + ":1:1: the file is empty";
        }
        String where = file + (at == null || at.getLineNr() < 1 ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr());
        if (e instanceof UnrecognizedPropertyException) {
            UnrecognizedPropertyException unknown = (UnrecognizedPropertyException) e;
            return where + ": " + settingPath(unknown.getPath()) + ": unknown setting '" + unknown.getPropertyName()
                    + "' (known here: " + known(unknown) + ")";
        }
        if (e instanceof JsonMappingException && !(e.getCause() instanceof StreamReadException)) {
            JsonMappingException mapping = (JsonMappingException) e;
            String setting = settingPath(mapping.getPath());
            return where + ": " + (setting.isEmpty() ? "" : setting + ": ") + "wrong kind of value: "
                    + firstLine(mapping.getOriginalMessage());
        }
        Throwable syntax = e.getCause() instanceof StreamReadException ? e.getCause() : e;
        if (syntax instanceof StreamReadException read && read.getProcessor() != null
                && read.getOriginalMessage() != null && read.getOriginalMessage().startsWith("Duplicate field")) {
            JsonParser parser = read.getProcessor();
            // Without this the last of two equal keys would silently win (STRICT_DUPLICATE_DETECTION).
            String parent = settingPath(parser.getParsingContext().getParent());
            return where + ": " + (parent.isEmpty() ? "" : parent + ": ") + "'" + parser.getParsingContext()
                    .getCurrentName() + "' is written twice; write each setting once";
        }
        String reason = syntax instanceof JsonProcessingException
                ? ((JsonProcessingException) syntax).getOriginalMessage() : syntax.getMessage();
        return where + ": not valid YAML: " + firstLine(reason);
    }

    private static String known(UnrecognizedPropertyException unknown) {
        return unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    /** The JSON pointer of a mapping exception's path, e.g. {@code /rules/0/prize}. */
    private static String pointer(List<JsonMappingException.Reference> path) {
        StringBuilder pointer = new StringBuilder();
        for (JsonMappingException.Reference reference : path) {
            pointer.append('/').append(reference.getFieldName() != null ? reference.getFieldName()
                    : Integer.toString(reference.getIndex()));
        }
        return pointer.toString();
    }

    /** Where the key at {@code pointer} is written, or an unknown location. */
    private static JsonLocation locate(byte[] yaml, String pointer) {
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME
                        && parser.getParsingContext().pathAsPointer().toString().equals(pointer)) {
                    return parser.currentTokenLocation();
                }
            }
        } catch (IOException e) {
            // Fall through: the position is a help, not a requirement.
        }
        return JsonLocation.NA;
    }

    /** The dotted setting path of a parser context, e.g. {@code rules[0]} for the first rule. */
    private static String settingPath(JsonStreamContext context) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
            if (at.inObject() && at.getCurrentName() != null) {
                parts.add(0, at.getCurrentName());
            } else if (at.inArray()) {
                parts.add(0, "[" + Math.max(at.getCurrentIndex(), 0) + "]");
            }
        }
        return String.join(".", parts).replace(".[", "[");
    }

    private static String settingPath(List<JsonMappingException.Reference> path) {
        List<String> parts = new ArrayList<>();
        for (JsonMappingException.Reference reference : path) {
            if (reference.getFieldName() != null) {
                parts.add(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                parts.add("[" + reference.getIndex() + "]");
            }
        }
        return String.join(".", parts).replace(".[", "[");
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
