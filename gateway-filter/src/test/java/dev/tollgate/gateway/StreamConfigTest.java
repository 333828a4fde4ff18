package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.route.StreamKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings of issue 4's charge models and schemes: each good form loads, each bad one is named where written. */
final class StreamConfigTest {

    @TempDir
    Path dir;

    private GatewayConfig load(String yaml) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, ConfigLoaderTest.HEADER + yaml);
        return GatewayConfig.load(file);
    }

    private java.util.List<String> problemsOf(String yaml) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, ConfigLoaderTest.HEADER + yaml);
        InvalidConfigException e = (InvalidConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> GatewayConfig.load(file));
        assertThat(e).as("the config should have been refused").isNotNull();
        return e.problems();
    }

    @Test
    void perStreamAndMeteredRulesLoadWithTheirParameters() throws Exception {
        GatewayConfig config = load(String.join("\n",
                "payword:",
                "  max-chain-length: 5000",
                "  max-step: 50",
                "rules:",
                "  - match: /videos/**",
                "    price: 0.10",
                "    charge: per-stream",
                "    window: 6h",
                "    stream: /videos/{id}/**",
                "  - match: /live/**",
                "    price: 0.02",
                "    charge: per-stream",
                "  - match: /files/**",
                "    price: 0.01",
                "    charge: metered",
                "    unit: 512 KiB",
                "    schemes: [scrip, payword]",
                "  - match: /api/**",
                "    price: 0.001",
                "    schemes: [payword, scrip]",
                ""));

        PriceRule video = config.rules().get(0);
        assertThat(video.charge()).isEqualTo(ChargeModel.PER_STREAM);
        assertThat(video.window()).contains(Duration.ofHours(6));
        assertThat(video.stream()).contains("/videos/{id}/**");
        assertThat(video.schemes()).containsExactly("scrip");
        PriceRule live = config.rules().get(1);
        assertThat(live.window()).contains(Duration.ofHours(4));
        assertThat(live.stream()).isEmpty();
        PriceRule files = config.rules().get(2);
        assertThat(files.charge()).isEqualTo(ChargeModel.METERED);
        assertThat(files.unitBytes()).isEqualTo(512 * 1024);
        assertThat(files.price().micros()).isEqualTo(10_000);
        assertThat(files.schemes()).containsExactly("scrip", "payword");
        assertThat(files.window()).isEmpty();
        assertThat(config.rules().get(3).schemes()).containsExactly("scrip", "payword");
        assertThat(config.payword()).isEqualTo(new GatewayConfig.PayWord(5000, 50));
    }

    @Test
    void theVideoSiteExamplesOfTheConfigDocLoad() throws Exception {
        GatewayConfig config = load(String.join("\n",
                "payword:",
                "  max-chain-length: 100000",
                "  max-step: 1000",
                "rules:",
                "  - match: /videos/*/trailer.mp4",
                "    charge: free",
                "  - match: /videos/**",
                "    price: 0.25",
                "    charge: per-stream",
                "    window: 24h",
                "    stream: /videos/{id}/**",
                "    mime-type: video/mp4",
                "  - match: /live/**",
                "    price: 0.50",
                "    charge: per-stream",
                "    window: 4h",
                "    stream: /live/{channel}/**",
                "  - match: /radio/**",
                "    price: 0.002",
                "    charge: metered",
                "    unit: 1MiB",
                "    schemes: [scrip, payword]",
                ""));
        assertThat(config.rules()).extracting(PriceRule::charge).containsExactly(ChargeModel.FREE,
                ChargeModel.PER_STREAM, ChargeModel.PER_STREAM, ChargeModel.METERED);
        assertThat(StreamKeys.keyOf(config.rules().get(2), "/live/news/seg-1042.ts")).isEqualTo("/live/news");
    }

    @Test
    void everyUnitSuffixIsUnderstood() throws Exception {
        String[][] cases = {{"1B", "1"}, {"2KiB", "2048"}, {"1MiB", "1048576"}, {"1GiB", "1073741824"},
                {"3KB", "3000"}, {"1 MB", "1000000"}, {"2GB", "2000000000"}};
        for (String[] c : cases) {
            PriceRule rule = load("rules:\n  - match: /f/**\n    price: 0.01\n    charge: metered\n    unit: "
                    + c[0] + "\n").rules().get(0);
            assertThat(rule.unitBytes()).as(c[0]).isEqualTo(Long.parseLong(c[1]));
        }
    }

    @Test
    void withoutAPayWordSectionTheDefaultsApply() throws Exception {
        assertThat(load("rules: []\n").payword()).isEqualTo(new GatewayConfig.PayWord(100_000, 1_000));
        assertThat(load("payword:\n  max-chain-length: 10\n").payword()).isEqualTo(new GatewayConfig.PayWord(10, 10));
    }

    @Test
    void badUnitsAreNamedWithLineAndColumn() throws Exception {
        java.util.List<String> problems = problemsOf(String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "    charge: metered",
                "    unit: 0B",
                "  - match: /b/**",
                "    price: 0.01",
                "    charge: metered",
                "    unit: 1 TB",
                "  - match: /c/**",
                "    price: 0.01",
                "    charge: metered",
                "  - match: /d/**",
                "    price: 0.01",
                "    charge: metered",
                "    unit: 99999999999999GiB",
                "  - match: /e/**",
                "    charge: metered",
                "    unit: 1MiB",
                ""));
        assertThat(problems).hasSize(5);
        assertThat(problems.get(0)).contains("gateway.yaml:14:11: rules[0].unit: '0B' must be at least 1 byte");
        assertThat(problems.get(1)).contains("gateway.yaml:18:11: rules[1].unit: '1 TB' has unit 'TB'");
        assertThat(problems.get(2)).contains("gateway.yaml:19:5: rules[2].unit: missing");
        assertThat(problems.get(3)).contains("gateway.yaml:25:11: rules[3].unit:").contains("too large");
        assertThat(problems.get(4)).contains("gateway.yaml:26:5: rules[4].price: missing (a metered rule needs a "
                + "price per unit)");
    }

    @Test
    void badWindowsAndStreamPatternsAreNamedWithLineAndColumn() throws Exception {
        java.util.List<String> problems = problemsOf(String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    window: 10s",
                "  - match: /b/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    window: forever",
                "  - match: /c/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    stream: /c/{id}/*.ts",
                "  - match: /d/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    stream: /e/{id}/**",
                "  - match: /f/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    stream: /f/{id}/{id}/**",
                "  - match: /g/one.mp4",
                "    price: 0.01",
                "    charge: per-stream",
                "    stream: /g/two.mp4",
                "  - match: /h/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    stream: /h/**/x",
                ""));
        assertThat(problems).hasSize(7);
        assertThat(problems.get(0)).contains("gateway.yaml:14:13: rules[0].window: '10s' must be between 1m and 30d");
        assertThat(problems.get(1)).contains("gateway.yaml:18:13: rules[1].window:").contains("not a duration");
        assertThat(problems.get(2)).contains("gateway.yaml:22:13: rules[2].stream:").contains("'*'");
        assertThat(problems.get(3)).contains("gateway.yaml:26:13: rules[3].stream: '/e/{id}/**' can never match a "
                + "path of match '/d/**'");
        assertThat(problems.get(4)).contains("rules[4].stream:").contains("captures {id} twice");
        assertThat(problems.get(5)).contains("rules[5].stream:").contains("does not match the rule's path");
        assertThat(problems.get(6)).contains("rules[6].stream:");
    }

    @Test
    void settingsOfOneModelAreRefusedOnAnother() throws Exception {
        java.util.List<String> problems = problemsOf(String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "    window: 4h",
                "  - match: /b/**",
                "    price: 0.01",
                "    charge: metered",
                "    unit: 1MiB",
                "    stream: /b/{id}/**",
                "  - match: /c/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    unit: 1MiB",
                "  - match: /d/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    confirm: online",
                ""));
        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).contains("gateway.yaml:13:13: rules[0].window: only a per-stream rule has a "
                + "window; this rule is per-click");
        assertThat(problems.get(1)).contains("rules[1].stream: only a per-stream rule has a stream");
        assertThat(problems.get(2)).contains("rules[2].unit: only a metered rule has a unit");
        assertThat(problems.get(3)).contains("rules[3].confirm: only a per-click rule is confirmed online");
    }

    @Test
    void schemesAreCheckedAgainstTheChargeModel() throws Exception {
        java.util.List<String> problems = problemsOf(String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "    charge: per-stream",
                "    schemes: [scrip, payword]",
                "  - match: /b/**",
                "    price: 0.01",
                "    schemes: [payword]",
                "  - match: /c/**",
                "    price: 0.01",
                "    schemes: [scrip, bitcoin]",
                "  - match: /d/**",
                "    charge: free",
                "    schemes: [scrip]",
                "  - match: /e/**",
                "    price: 0.01",
                "    schemes: [scrip, scrip]",
                ""));
        assertThat(problems).hasSize(5);
        assertThat(problems.get(0)).contains("gateway.yaml:14:14: rules[0].schemes: payword is accepted only on "
                + "per-click and metered rules, not on a per-stream rule");
        assertThat(problems.get(1)).contains("rules[1].schemes: every priced rule accepts scrip");
        assertThat(problems.get(2)).contains("rules[2].schemes: 'bitcoin' is not a scheme");
        assertThat(problems.get(3)).contains("rules[3].schemes: a free rule takes no payment");
        assertThat(problems.get(4)).contains("rules[4].schemes: 'scrip' is listed twice");
    }

    @Test
    void payWordLimitsAreBounded() throws Exception {
        java.util.List<String> problems = problemsOf("payword:\n  max-chain-length: 0\n");
        assertThat(problems).singleElement().asString()
                .contains("gateway.yaml:11:21: payword.max-chain-length: '0' must be between 1 and 10000000");
        problems = problemsOf("payword:\n  max-chain-length: 100\n  max-step: 101\n");
        assertThat(problems).singleElement().asString()
                .contains("gateway.yaml:12:13: payword.max-step: '101' must be between 1 and 100");
        problems = problemsOf("payword:\n  max-chain-length: 20000000\n  max-step: x\n");
        assertThat(problems).singleElement().asString().contains("payword.max-chain-length");
        problems = problemsOf("payword:\n  max-step: many\n");
        assertThat(problems).singleElement().asString().contains("payword.max-step: 'many' is not a whole number");
    }

    @Test
    void unknownKeysInTheNewSectionsAreRefused() throws Exception {
        assertThat(problemsOf("payword:\n  max-chain: 10\n")).singleElement().asString()
                .contains("gateway.yaml:11:3").contains("unknown setting 'max-chain'");
        assertThat(problemsOf("rules:\n  - match: /a\n    price: 0.01\n    charge: per-stream\n    windw: 4h\n"))
                .singleElement().asString().contains("unknown setting 'windw'").contains("window");
    }

    @Test
    void theOldConstructorsKeepWorking() {
        dev.tollgate.protocol.Money price = dev.tollgate.protocol.Money.parse("0.05", java.util.Currency
                .getInstance("USD"));
        PriceRule click = new PriceRule("/a", Set.of(), price, ChargeModel.PER_CLICK, "", Optional.empty());
        assertThat(click.schemes()).containsExactly("scrip");
        assertThat(click.unitBytes()).isZero();
        PriceRule stream = new PriceRule("/v/**", Set.of(), price, ChargeModel.PER_STREAM, "", Optional.empty(), false);
        assertThat(stream.window()).contains(Duration.ofHours(4));
        assertThatThrownBy(() -> new PriceRule("/f/**", Set.of(), price, ChargeModel.METERED, "", Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> new PriceRule("/v/**", Set.of(), price, ChargeModel.PER_STREAM, "",
                Optional.empty(), false, Set.of("scrip", "payword"), Optional.of(Duration.ofHours(1)),
                Optional.empty(), 0)).hasMessageContaining("payword");
    }

    @Test
    void streamKeysCutThePathAtTheLastSegmentBeforeTheRest() {
        StreamKeys keys = StreamKeys.compile("/videos/{id}/**");
        assertThat(keys.key("/videos/abc/seg-1.ts")).isEqualTo("/videos/abc");
        assertThat(keys.key("/videos/abc")).isEqualTo("/videos/abc");
        assertThat(keys.key("/videos/abc/")).isEqualTo("/videos/abc");
        assertThat(keys.key("/videos")).as("no id: a stream of its own").isEqualTo("/videos");
        assertThat(keys.key("/videos//x")).isEqualTo("/videos//x");
        assertThat(keys.key("/other/abc/x")).isEqualTo("/other/abc/x");
        StreamKeys exact = StreamKeys.compile("/live/{channel}/index.m3u8");
        assertThat(exact.key("/live/news/index.m3u8")).isEqualTo("/live/news/index.m3u8");
        assertThat(exact.key("/live/news/index.m3u8/x")).isEqualTo("/live/news/index.m3u8/x");
        assertThat(StreamKeys.compile("/**").key("/a/b")).isEqualTo("/");
        assertThat(StreamKeys.compile("/live/**").key("/live/a/b")).isEqualTo("/live");
        assertThat(keys.captures()).containsExactly("id");
    }

    @Test
    void aRuleIdNamesTheEntitlementsAndDefaultsToTheStreamPatternThenTheMatch() throws Exception {
        GatewayConfig config = load(String.join("\n",
                "rules:",
                "  - match: /videos/*/4k/**",
                "    id: films-4k",
                "    price: 1.00",
                "    charge: per-stream",
                "    stream: /videos/{id}/**",
                "  - match: /videos/**",
                "    price: 0.10",
                "    charge: per-stream",
                "    stream: /videos/{id}/**",
                "  - match: /live/**",
                "    price: 0.50",
                "    charge: per-stream",
                "  - match: /articles/**",
                "    id: articles",
                "    price: 0.05",
                ""));

        assertThat(config.rules()).extracting(PriceRule::entitlementKey)
                .containsExactly("films-4k", "/videos/{id}/**", "/live/**", "articles");
        assertThat(config.rules().get(3).id()).contains("articles");
        assertThat(config.rules().get(1).id()).isEmpty();
    }

    @Test
    void idsAreTokensNoTwoRulesShareAndPerStreamRulesSharingAStreamPatternNeedThem() throws Exception {
        java.util.List<String> problems = problemsOf(String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    id: 'a/b'",
                "    price: 0.05",
                "  - match: /b/**",
                "    id: shop",
                "    price: 0.05",
                "  - match: /c/**",
                "    id: shop",
                "    price: 0.05",
                "  - match: /videos/*/4k/**",
                "    price: 1.00",
                "    charge: per-stream",
                "    stream: /videos/{id}/**",
                "  - match: /videos/**",
                "    price: 0.10",
                "    charge: per-stream",
                "    stream: /videos/{id}/**",
                ""));

        assertThat(problems).hasSize(3);
        assertThat(problems.get(0)).contains("gateway.yaml:12:9: rules[0].id: 'a/b' is not an id");
        assertThat(problems.get(1)).contains("gateway.yaml:18:9: rules[2].id: 'shop' is already the id of rules[1]");
        assertThat(problems.get(2)).contains("gateway.yaml:24:5: rules[4]: keeps its entitlements under the same "
                + "name as rules[3] ('/videos/{id}/**', its stream pattern)").contains("give each rule an id");
    }
}
