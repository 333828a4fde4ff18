package dev.tollgate.gateway;

import java.util.List;

/**
 * A config file that cannot be used. The message lists every problem found, one a line, each as
 * {@code file:line:column: setting: what is wrong}; {@link #problems()} gives them one by one.
 *
 * @since 0.1
 */
public final class InvalidConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidConfigException(String file, List<String> problems) {
        super(describe(file, problems));
        this.problems = List.copyOf(problems);
    }

    /** Each problem, as {@code file:line:column: setting: what is wrong}. */
    public List<String> problems() {
        return problems;
    }

    private static String describe(String file, List<String> problems) {
        StringBuilder text = new StringBuilder()
                .append(file).append(" has ").append(problems.size())
                .append(problems.size() == 1 ? " problem:" : " problems:");
        for (String problem : problems) {
            text.append("\n  ").append(problem);
        }
        return text.toString();
    }
}
