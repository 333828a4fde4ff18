package dev.tollgate.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validation and copying shared by the wire records.
 *
 * <p>Stateless and thread-safe.
 */
final class Wire {

    private Wire() {
    }

    /**
     * Returns {@code value} or throws a {@link MissingFieldException} naming the JSON field, which the codec turns
     * into "missing field 'name'".
     */
    static <T> T required(T value, String field) {
        if (value == null) {
            throw new MissingFieldException(field);
        }
        return value;
    }

    /**
     * Returns a deeply unmodifiable copy of a JSON object, or null for null.
     *
     * <p>Not {@link Map#copyOf}: JSON objects may hold null values, and key order is kept so that re-encoding a
     * decoded value yields the same bytes.
     */
    static Map<String, Object> freeze(Map<String, ?> map) {
        if (map == null) {
            return null;
        }
        Map<String, Object> copy = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        for (Map.Entry<String, ?> entry : map.entrySet()) {
            copy.put(required(entry.getKey(), "key"), freezeValue(entry.getValue()));
        }
        return Collections.unmodifiableMap(copy);
    }

    /** Returns an unmodifiable copy of a list of required elements, or null for null. */
    static <T> List<T> freezeList(List<T> list, String field) {
        if (list == null) {
            return null;
        }
        for (T element : list) {
            required(element, field + "[]");
        }
        return List.copyOf(list);
    }

    @SuppressWarnings("unchecked")
    private static Object freezeValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            return freeze((Map<String, ?>) map);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object element : list) {
                copy.add(freezeValue(element));
            }
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    /** Thrown by {@link #required}; carries the field name so the codec need not parse messages. */
    static final class MissingFieldException extends NullPointerException {

        private final String field;

        MissingFieldException(String field) {
            super(field + " cannot be null.");
            this.field = field;
        }

        String field() {
            return field;
        }
    }
}
