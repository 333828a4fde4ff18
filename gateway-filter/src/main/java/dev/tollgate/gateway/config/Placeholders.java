package dev.tollgate.gateway.config;

import java.util.function.UnaryOperator;

/**
 * Replaces {@code ${name}} and {@code ${name:-default}} with a system property or, failing that, an environment
 * variable: in the {@code config} init-param and in every scalar value of the config file. {@code $${} writes a
 * literal {@code ${}. With {@code :-}, the default is used when the name is unset or empty; without it, an unset
 * name is an error, so a forgotten variable never silently becomes an empty path or URL.
 */
public final class Placeholders {

    private Placeholders() {
    }

    /** Resolves against system properties, then environment variables. */
    public static String resolve(String text) {
        return resolve(text, Placeholders::lookup);
    }

    static String lookup(String name) {
        String value = System.getProperty(name);
        return value != null ? value : System.getenv(name);
    }

    /**
     * Resolves every placeholder in {@code text}; returns {@code text} itself when it has none.
     *
     * @throws IllegalArgumentException naming the placeholder that cannot be resolved or is malformed
     */
    public static String resolve(String text, UnaryOperator<String> lookup) {
        int first = text.indexOf("${");
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 32);
        int from = 0;
        for (int start = first; start >= 0; start = text.indexOf("${", from)) {
            if (start > 0 && text.charAt(start - 1) == '$') {
                out.append(text, from, start - 1).append("${"); // $${ is a literal ${
                from = start + 2;
                continue;
            }
            int end = text.indexOf('}', start);
            if (end < 0) {
                throw new IllegalArgumentException("'${' at character " + (start + 1)
                        + " is not closed by '}' (write $${ for a literal ${)");
            }
            String inside = text.substring(start + 2, end);
            int split = inside.indexOf(":-");
            String name = split < 0 ? inside : inside.substring(0, split);
            if (!isName(name)) {
                throw new IllegalArgumentException("'${" + inside + "}' does not name a variable: use letters, "
                        + "digits, '.', '_' or '-', like ${tollgate.data} or ${TOLLGATE_DATA:-data}");
            }
            String value = lookup.apply(name);
            if (split >= 0 && (value == null || value.isEmpty())) {
                value = inside.substring(split + 2);
            } else if (value == null) {
                throw new IllegalArgumentException("${" + name + "} is neither a system property nor an environment "
                        + "variable, and has no default (write ${" + name + ":-default})");
            }
            out.append(text, from, start).append(value);
            from = end + 1;
        }
        return out.append(text, from, text.length()).toString();
    }

    private static boolean isName(String name) {
        if (name.isEmpty() || name.length() > 200) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
