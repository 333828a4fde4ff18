package dev.tollgate.spring;

import dev.tollgate.gateway.InvalidConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints a refused Tollgate config at startup as its list of problems, each naming its property or line. */
final class InvalidConfigFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigException cause) {
        return new FailureAnalysis("Tollgate cannot start: " + cause.getMessage(),
                "Fix each setting named above; docs/CONFIG.md in Tollgate says what each one takes.", cause);
    }
}
