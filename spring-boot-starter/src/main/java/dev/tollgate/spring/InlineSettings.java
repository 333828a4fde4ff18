package dev.tollgate.spring;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Reads the gateway's settings written as {@code tollgate.*} properties into the tree a config file parses to: maps of
 * settings, lists for what is written with indexes ({@code tollgate.rules[0].price}), strings for values. The gateway
 * validates that tree as it validates a file ({@link dev.tollgate.gateway.GatewayConfig#of}), unknown keys
 * included, so nothing here knows the gateway's settings. The starter's own keys ({@link TollgateProperties}) are left
 * out, however Spring's relaxed names spell them ({@code configFile}, {@code CONFIGFILE}). Environment variables are
 * not read as gateway settings: Spring would map {@code TOLLGATE_DATA_DIR} to {@code tollgate.data.dir}, not
 * {@code data-dir}, so an app takes them through placeholders ({@code data-dir: ${TOLLGATE_DATA_DIR}}), which are
 * resolved here from every property source, the environment's included.
 */
final class InlineSettings {

    static final String PREFIX = "tollgate";
    /**
     * The keys under {@code tollgate} that are the starter's ({@link TollgateProperties}), not the gateway's, as
     * {@link #normalised} spells them.
     */
    private static final Set<String> STARTER_KEYS = Set.of("enabled", "configfile", "filter");

    private InlineSettings() {
    }

    /**
     * The gateway's settings under {@code tollgate}; empty when none is written.
     *
     * @throws IllegalArgumentException if a list's indexes do not run from 0 without a gap, naming the property
     */
    static Map<String, Object> of(Environment environment) {
        Map<String, Object> settings = new LinkedHashMap<>();
        bound(environment).forEach((key, value) -> {
            if (!STARTER_KEYS.contains(normalised(key))) {
                settings.put(key, tree(PREFIX + "." + key, value));
            }
        });
        return settings;
    }

    /** Whether any gateway setting is written under {@code tollgate}, however well-formed. */
    static boolean present(Environment environment) {
        return bound(environment).keySet().stream().anyMatch(key -> !STARTER_KEYS.contains(normalised(key)));
    }

    /** What is written under {@code tollgate} in every property source but the environment variables. */
    private static Map<String, Object> bound(Environment environment) {
        if (!(environment instanceof ConfigurableEnvironment configurable)) {
            return Binder.get(environment).bind(PREFIX, Bindable.mapOf(String.class, Object.class)).orElse(Map.of());
        }
        List<PropertySource<?>> sources = configurable.getPropertySources().stream()
                .filter(source -> !(source instanceof SystemEnvironmentPropertySource))
                .toList();
        return new Binder(ConfigurationPropertySources.from(sources),
                new PropertySourcesPlaceholdersResolver(environment))
                .bind(PREFIX, Bindable.mapOf(String.class, Object.class)).orElse(Map.of());
    }

    /**
     * A map whose keys are all indexes ({@code [0]}, {@code [1]}) is a list, in index order. Indexes beside named
     * keys stay keys, which the gateway then refuses as unknown settings rather than have them dropped here.
     */
    private static Object tree(String path, Object value) {
        if (value instanceof Map<?, ?> map) {
            TreeMap<Integer, Object> indexed = new TreeMap<>();
            Map<String, Object> named = new LinkedHashMap<>();
            map.forEach((key, entry) -> {
                Integer index = index(String.valueOf(key));
                if (index != null) {
                    indexed.put(index, tree(path + "[" + index + "]", entry));
                } else {
                    named.put(String.valueOf(key), tree(path + "." + key, entry));
                }
            });
            if (!named.isEmpty() || indexed.isEmpty()) {
                indexed.forEach((index, entry) -> named.put("[" + index + "]", entry));
                return named;
            }
            if (indexed.lastKey() != indexed.size() - 1) {
                throw new IllegalArgumentException(path + ": the indexes " + indexed.keySet()
                        + " do not run from [0] without a gap");
            }
            return new ArrayList<>(indexed.values());
        }
        if (value instanceof List<?> list) {
            List<Object> items = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                items.add(tree(path + "[" + i + "]", list.get(i)));
            }
            return items;
        }
        if ((value instanceof Double number && !Double.isFinite(number))
                || (value instanceof Float single && !Float.isFinite(single))) {
            // YAML's .inf, -.inf and .nan, as written, for the gateway to refuse as what they are: not a number.
            double special = ((Number) value).doubleValue();
            return Double.isNaN(special) ? ".nan" : special > 0 ? ".inf" : "-.inf";
        }
        if (value instanceof Double || value instanceof Float) {
            // YAML reads an unquoted 0.0001 as a double, whose own text would be 1.0E-4: give the decimal back.
            return new BigDecimal(value.toString()).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(value);
    }

    private static Integer index(String key) {
        String digits = key.startsWith("[") && key.endsWith("]") ? key.substring(1, key.length() - 1) : key;
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Integer.valueOf(digits);
    }

    /** {@code config-file}, {@code configFile}, {@code config_file} and {@code CONFIGFILE} are one key to Spring. */
    private static String normalised(String key) {
        return key.replace("-", "").replace("_", "").toLowerCase(java.util.Locale.ROOT);
    }
}
