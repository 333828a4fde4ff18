package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code access} and {@code passes}: the good forms load, each bad one is named where it is written. */
final class PassConfigTest {

    static final String PASSES = String.join("\n",
            "passes:",
            "  - id: day-pass",
            "    title: Day pass",
            "    price: 0.50",
            "    duration: 24h",
            "    covers: [\"/articles/**\"]",
            "");

    @TempDir
    Path dir;

    private GatewayConfig load(String yaml) throws Exception {
        return GatewayConfig.load(ConfigFiles.write(dir, ConfigLoaderTest.HEADER + yaml));
    }

    private List<String> problemsOf(String yaml) throws Exception {
        InvalidConfigException e = ConfigFiles.problemsOf(dir, ConfigLoaderTest.HEADER + yaml);
        assertThat(e).as("the config should have been refused").isNotNull();
        return e.problems();
    }

    @Test
    void aRuleWithAnAccessWindowAndAPassLoads() throws Exception {
        GatewayConfig config = load(PASSES + String.join("\n",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                "    access: 24h",
                "    passes: [day-pass]",
                ""));

        PriceRule rule = config.rules().get(0);
        assertThat(rule.access()).contains(Duration.ofHours(24));
        assertThat(rule.passes()).extracting(Pass::id, Pass::title, Pass::duration, Pass::covers)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("day-pass", "Day pass", Duration.ofHours(24),
                        List.of("/articles/**")));
        assertThat(rule.passes().get(0).price().micros()).isEqualTo(500_000);
    }

    @Test
    void anUnknownPassIsNamedWithThePassesThereAre() throws Exception {
        assertThat(problemsOf(PASSES + "rules:\n  - match: /articles/**\n    price: 0.05\n    passes: [year-pass]\n"))
                .anySatisfy(p -> assertThat(p).contains("rules[0].passes").contains("'year-pass' is not the id of a "
                        + "pass of this config (day-pass)"));
    }

    @Test
    void aPassIsNotSoldOnARuleItDoesNotCover() throws Exception {
        assertThat(problemsOf(PASSES + "rules:\n  - match: /videos/**\n    price: 0.05\n    passes: [day-pass]\n"))
                .anySatisfy(p -> assertThat(p).contains("rules[0].passes").contains("pass 'day-pass' covers "
                        + "[/articles/**], which does not hold this rule's match '/videos/**'"));
        assertThat(problemsOf(PASSES + "rules:\n  - match: /**\n    price: 0.05\n    passes: [day-pass]\n"))
                .anySatisfy(p -> assertThat(p).contains("does not hold this rule's match '/**'"));
    }

    @Test
    void aPassNoDearerThanTheItemIsRefused() throws Exception {
        assertThat(problemsOf(PASSES + "rules:\n  - match: /articles/**\n    price: 0.50\n    passes: [day-pass]\n"))
                .anySatisfy(p -> assertThat(p).contains("rules[0].passes").contains("no more than one item here"));
    }

    @Test
    void accessWindowsAndPassesAreOnlyForPerClickRules() throws Exception {
        assertThat(problemsOf("rules:\n  - match: /v/**\n    price: 0.05\n    charge: per-stream\n    access: 1h\n"))
                .anySatisfy(p -> assertThat(p).contains("rules[0].access").contains("only a per-click rule has an "
                        + "access window; a per-stream rule does not (its window does that)"));
        assertThat(problemsOf(PASSES + "rules:\n  - match: /articles/**\n    price: 0.01\n    charge: metered\n"
                + "    unit: 1KiB\n    passes: [day-pass]\n"))
                .anySatisfy(p -> assertThat(p).contains("rules[0].passes").contains("only a per-click rule sells"));
    }

    @Test
    void durationsAreBounded() throws Exception {
        assertThat(problemsOf("rules:\n  - match: /a/**\n    price: 0.05\n    access: 30s\n"))
                .anySatisfy(p -> assertThat(p).contains("rules[0].access").contains("must be between 1m and 366d"));
        assertThat(problemsOf(PASSES.replace("24h", "400d") + "rules:\n  - match: /a/**\n    price: 0.05\n"))
                .anySatisfy(p -> assertThat(p).contains("passes[0].duration").contains("between 1m and 366d"));
    }

    @Test
    void aPassNeedsAnIdAPriceAndCoversAndItsIdOnce() throws Exception {
        List<String> problems = problemsOf(String.join("\n",
                "passes:",
                "  - title: Nameless",
                "    duration: 1h",
                "  - id: week",
                "    price: 1.00",
                "    duration: 7d",
                "    covers: []",
                "  - id: week",
                "    price: 1.00",
                "    duration: 7d",
                "    covers: [\"/a/**\"]",
                "rules:",
                "  - match: /a/**",
                "    price: 0.05",
                ""));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("passes[0].id"))
                .anySatisfy(p -> assertThat(p).contains("passes[0].price"))
                .anySatisfy(p -> assertThat(p).contains("passes[0].covers").contains("missing"))
                .anySatisfy(p -> assertThat(p).contains("passes[1].covers").contains("empty list"))
                .anySatisfy(p -> assertThat(p).contains("passes[2].id").contains("'week' is already the id"));
    }
}
