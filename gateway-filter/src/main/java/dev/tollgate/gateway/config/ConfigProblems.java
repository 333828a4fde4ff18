package dev.tollgate.gateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The problems found in one config, in the order found, each as {@code file:line:column: setting: message} for a file
 * or {@code prefix.setting: message} for settings bound from a framework's properties ({@code tollgate.rules[0].price:
 * ...}). Every section's validator writes here, so an admin sees all the problems of a config at once rather than one
 * per restart; a value that does not convert is recorded and becomes {@code null}, which the sections pass on.
 */
final class ConfigProblems {

    private static final int MAX_ID_LENGTH = 128;

    private final String file;
    /** The prefix settings are named under when they come from properties; {@code null} for a file. */
    private final String prefix;
    private final List<String> problems = new ArrayList<>();

    ConfigProblems(String file) {
        this(file, null);
    }

    private ConfigProblems(String file, String prefix) {
        this.file = file;
        this.prefix = prefix;
    }

    /** Problems of settings bound from properties under {@code prefix}, which have no line and column. */
    static ConfigProblems ofProperties(String prefix) {
        return new ConfigProblems(prefix, prefix);
    }

    List<String> list() {
        return problems;
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Records a problem with a setting written at {@code where}. */
    void problem(Located<?> where, String setting, String message) {
        problems.add((prefix == null ? file + ":" + where.where() + ": " : prefix + ".") + setting + ": " + message);
    }

    /** Records a required setting that is absent: there is no position to name, so the file's start. */
    void missing(String setting) {
        problems.add((prefix == null ? file + ":1:1: " : prefix + ".") + setting + ": missing");
    }

    /** The converted value; {@code null} (and a problem recorded) if {@code convert} refuses it. */
    <S, T> T setting(Located<S> value, String setting, Function<S, T> convert) {
        try {
            return convert.apply(value.value());
        } catch (IllegalArgumentException e) {
            problem(value, setting, e.getMessage());
            return null;
        }
    }

    /** The converted value, or {@code fallback} when the setting is absent. */
    <S, T> T optional(Located<S> value, String setting, Function<S, T> convert, T fallback) {
        if (value == null || value.value() == null) {
            return fallback;
        }
        return setting(value, setting, convert);
    }

    /** The converted value; a problem if the setting is absent. */
    <T> T required(Located<String> value, String setting, Function<String, T> convert) {
        if (value == null || value.value() == null) {
            missing(setting);
            return null;
        }
        return setting(value, setting, convert);
    }

    /** Free text of at most {@code maxLength} characters (names, descriptions). */
    String text(Located<String> value, String setting, int maxLength) {
        return setting(value, setting, text -> {
            if (text.length() > maxLength) {
                throw new IllegalArgumentException("longer than " + maxLength + " characters");
            }
            return text;
        });
    }

    /** A required identifier (the seller's id): 1 to 128 characters without surrounding spaces. */
    String identifier(Located<String> value, String setting) {
        if (value == null) {
            missing(setting);
            return null;
        }
        return setting(value, setting, text -> {
            if (text.isBlank() || text.length() > MAX_ID_LENGTH || !text.equals(text.trim())) {
                throw new IllegalArgumentException("'" + text + "' must be 1 to " + MAX_ID_LENGTH
                        + " characters without surrounding spaces");
            }
            return text;
        });
    }
}
