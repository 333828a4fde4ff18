package dev.tollgate.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a YAML config file into a {@link GatewayConfig}: first its shape (Jackson stops at the first structural
 * problem), then every value, collecting all problems so the admin fixes them in one go.
 */
final class ConfigLoader {

    /** Config files are small; a huge one is a mistake, not a config. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder().build())
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ConfigLoader() {
    }

    static GatewayConfig load(Path file) throws InvalidConfigException {
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
        try {
            raw = YAML.readValue(bytes, ConfigFile.class);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(name, List.of(describe(name, e)));
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

    /** Turns Jackson's verbose messages into {@code file:line:column: setting: problem}. */
    private static String describe(String file, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = file + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr());
        if (e instanceof UnrecognizedPropertyException) {
            UnrecognizedPropertyException unknown = (UnrecognizedPropertyException) e;
            String known = unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", "));
            return where + ": " + settingPath(unknown.getPath()) + ": unknown setting '" + unknown.getPropertyName()
                    + "' (known here: " + known + ")";
        }
        if (e instanceof JsonMappingException) {
            JsonMappingException mapping = (JsonMappingException) e;
            String setting = settingPath(mapping.getPath());
            return where + ": " + (setting.isEmpty() ? "" : setting + ": ") + "wrong kind of value: "
                    + firstLine(mapping.getOriginalMessage());
        }
        return where + ": not valid YAML: " + firstLine(e.getOriginalMessage());
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
