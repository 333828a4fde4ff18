package dev.tollgate.gateway;

import dev.tollgate.bench.BrokerFixture;
import dev.tollgate.gateway.route.RuleTable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link RuleTable#match} over 100 rules loaded from YAML through {@link GatewayConfig#load}, cycling through four
 * shapes: exact paths, {@code /sectionN/**} prefixes, {@code *.extN} extensions and regex globs
 * ({@code /aN/*}{@code /bN*.html}); every tenth rule is limited to GET. The unmatched path scans all 100 rules,
 * 25 of them regexes: the worst case.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class RuleMatchingBenchmark {

    static final int RULES = 100;

    /** Matched by rules[0] (an exact path). */
    static final String FIRST = "/page/0.html";
    /** Matched by rules[99] only (a regex glob). */
    static final String LAST = "/a99/2026/b99-some-article-title.html";
    /** Matched by no rule. */
    static final String NONE = "/news/2026/11/25/some-article-title.html";

    private RuleTable table;

    @Setup
    public void setUp() throws IOException, InvalidConfigException {
        Path dir = Files.createTempDirectory("tollgate-bench");
        Path file = BrokerFixture.writeConfig(dir, URI.create("https://broker.test/jwks.json"), rulesYaml());
        GatewayConfig config = GatewayConfig.load(file);
        Files.delete(file);
        Files.delete(dir);
        if (config.rules().size() != RULES) {
            throw new IllegalStateException("expected " + RULES + " rules, got " + config.rules().size());
        }
        table = new RuleTable(config.rules());
        check(FIRST, 0);
        check(LAST, RULES - 1);
        if (table.match(NONE, "GET") != null) {
            throw new IllegalStateException(NONE + " should match no rule");
        }
    }

    @Benchmark
    public PriceRule firstRule() {
        return table.match(FIRST, "GET");
    }

    @Benchmark
    public PriceRule lastRule() {
        return table.match(LAST, "GET");
    }

    @Benchmark
    public PriceRule noRule() {
        return table.match(NONE, "GET");
    }

    static String rulesYaml() {
        StringBuilder yaml = new StringBuilder("rules:\n");
        for (int i = 0; i < RULES; i++) {
            yaml.append("  - match: \"").append(glob(i)).append("\"\n");
            if (i % 10 == 5) {
                yaml.append("    methods: [GET]\n");
            }
            yaml.append("    price: 0.0").append(1 + i % 9).append('\n');
        }
        return yaml.toString();
    }

    static String glob(int i) {
        switch (i % 4) {
            case 0:
                return "/page/" + i + ".html";
            case 1:
                return "/section" + i + "/**";
            case 2:
                return "*.ext" + i;
            default:
                return "/a" + i + "/*/b" + i + "*.html";
        }
    }

    private void check(String path, int index) {
        PriceRule rule = table.match(path, "GET");
        if (rule == null || !rule.match().equals(glob(index))) {
            throw new IllegalStateException(path + " should match rules[" + index + "], matched " + rule);
        }
    }
}
