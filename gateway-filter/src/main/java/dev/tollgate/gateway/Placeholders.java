package dev.tollgate.gateway;

import java.util.function.UnaryOperator;

/** Replaces {@code ${name}} in an init-param with a system property or, failing that, an environment variable. */
final class Placeholders {

    private Placeholders() {
    }

    static String resolve(String text) {
        return resolve(text, name -> {
            String value = System.getProperty(name);
            return value != null ? value : System.getenv(name);
        });
    }

    static String resolve(String text, UnaryOperator<String> lookup) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int start = text.indexOf("${"); start >= 0; start = text.indexOf("${", from)) {
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'" + text + "' has an unclosed ${");
            }
            String name = text.substring(start + 2, end);
            String value = lookup.apply(name);
            if (value == null) {
                throw new IllegalArgumentException("'" + text + "' names ${" + name
                        + "}, which is neither a system property nor an environment variable");
            }
            out.append(text, from, start).append(value);
            from = end + 1;
        }
        return out.append(text.substring(from)).toString();
    }
}
