package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rule's {@code free: {count, per}}: read into the rule, and refused where it cannot mean anything. */
final class FreeAllowanceConfigTest {

    @TempDir
    Path dir;

    @Test
    void aPerClickRuleReadsItsFreeAllowance() throws Exception {
        Path file = ConfigFiles.writeRules(dir, String.join("\n",
                "rules:",
                "  - match: /articles/**",
                "    price: 0.05",
                "    free: {count: 3, per: 30d}",
                "  - match: /b/**",
                "    price: 0.05",
                ""));
        GatewayConfig config = GatewayConfig.load(file);
        assertThat(config.rules().get(0).free()).contains(new FreeAllowance(3, Duration.ofDays(30)));
        assertThat(config.rules().get(1).free()).isEqualTo(Optional.empty());
    }

    @Test
    void badAllowancesAreNamedWithLineAndColumn() throws Exception {
        Path file = ConfigFiles.writeRules(dir, String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "    free: {count: 0, per: 30d}",
                "  - match: /b/**",
                "    price: 0.01",
                "    free: {count: 33, per: 30d}",
                "  - match: /c/**",
                "    price: 0.01",
                "    free: {count: 3, per: 10s}",
                "  - match: /d/**",
                "    price: 0.01",
                "    free: {count: 3}",
                "  - match: /e/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    free: {count: 3, per: 1d}",
                "  - match: /f/**",
                "    charge: free",
                "    free: {count: 3, per: 1d}",
                ""));
        List<String> problems = ConfigFiles.problemsOf(file);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[0].free.count: '0' must be between 1 "
                + "and 32"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[1].free.count: '33' must be between 1 "
                + "and 32"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[2].free.per: '10s' must be between 1m "
                + "and 366d"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[3].free: needs both count and per"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[4].free: only a per-click rule has a "
                + "free allowance; a per-stream rule does not"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[5].free: only a per-click rule"));
        assertThat(problems).hasSize(6);
        assertThat(problems.get(0)).contains("gateway.yaml:13:19: rules[0].free.count");
    }

    @Test
    void rulesOfOnePoolMustAgree() throws Exception {
        Path file = ConfigFiles.writeRules(dir, String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "    free: {count: 3, per: 30d, pool: reading}",
                "  - match: /b/**",
                "    price: 0.02",
                "    free: {count: 3, per: 30d, pool: reading}",
                "  - match: /c/**",
                "    price: 0.01",
                "    free: {count: 5, per: 30d, pool: reading}",
                "  - match: /d/**",
                "    price: 0.01",
                "    free: {count: 5, per: 30d, pool: '*bad'}",
                ""));
        List<String> problems = ConfigFiles.problemsOf(file);
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).contains("rules[2].free: pool 'reading' is 3 per 30d on an earlier rule");
        assertThat(problems.get(1)).contains("rules[3].free.pool: '*bad' is not a pool name");
    }

    @Test
    void anUnknownFreeSettingIsRefused() throws Exception {
        Path file = ConfigFiles.writeRules(dir, String.join("\n",
                "rules:",
                "  - match: /g/**",
                "    price: 0.01",
                "    free: {count: 3, per: 1d, every: 2}",
                ""));
        assertThat(ConfigFiles.problemsOf(file)).singleElement().asString()
                .contains("rules[0].free.every: unknown setting 'every' (known here: count, per, pool)");
    }
}
