package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rule's {@code price-function} and {@code max-price}: loaded at config load, refused with what to fix. */
final class PriceFunctionConfigTest {

    @TempDir
    Path dir;

    @Test
    void theFunctionIsLoadedAndItsCeilingIsTheRulesPrice() throws Exception {
        GatewayConfig config = GatewayConfig.load(ConfigFiles.writeRules(dir, String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price-function: " + TestPrices.class.getName(),
                "    max-price: 0.50",
                "")));
        PriceRule rule = config.rules().get(0);
        assertThat(rule.priceFunction()).get().isInstanceOf(TestPrices.class);
        assertThat(rule.price().micros()).isEqualTo(500_000);
    }

    @Test
    void badFunctionsAreRefusedNamingWhatToFix() throws Exception {
        List<String> problems = ConfigFiles.problemsOf(ConfigFiles.writeRules(dir, String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price-function: com.example.Missing",
                "    max-price: 0.50",
                "  - match: /b/**",
                "    price-function: java.lang.String",
                "    max-price: 0.50",
                "  - match: /c/**",
                "    price-function: " + TestPrices.class.getName(),
                "  - match: /d/**",
                "    price-function: " + TestPrices.class.getName(),
                "    price: 0.05",
                "    max-price: 0.50",
                "  - match: /e/**",
                "    charge: per-stream",
                "    price-function: " + TestPrices.class.getName(),
                "    max-price: 0.50",
                "  - match: /f/**",
                "    price: 0.05",
                "    max-price: 0.50",
                "  - match: /g/**",
                "    price-function: " + TestPrices.class.getName(),
                "    max-price: 0",
                "  - match: /h/**",
                "    price-function: " + TestPrices.class.getName(),
                "    max-price: 0.50",
                "    schemes: [scrip, payword]",
                "")));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("gateway.yaml:12:21: rules[0].price-function: "
                + "class 'com.example.Missing' is not on the web app's class path"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[1].price-function: class "
                + "'java.lang.String' does not implement dev.tollgate.gateway.PriceFunction"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[2].max-price: missing"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[3].price: a rule with a price-function "
                + "has no fixed price"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[4].price-function: only a per-click rule "
                + "has a price-function"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[5].max-price: only a rule with a "
                + "price-function has a max-price"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[6].max-price:"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("rules[7].schemes: a rule with a price-function "
                + "accepts scrip only"));
        assertThat(problems).hasSize(8);
    }
}
