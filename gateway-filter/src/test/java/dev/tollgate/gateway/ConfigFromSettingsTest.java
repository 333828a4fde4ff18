package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings a framework bound from its properties go through the file's validators and name the property. */
final class ConfigFromSettingsTest {

    @TempDir
    Path dir;

    private Map<String, Object> settings(Object price) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("seller", Map.of("id", "seller-1", "name", "Test Seller"));
        settings.put("broker", Map.of("id", "test", "issuer", "https://broker.test",
                "jwks-url", "http://127.0.0.1:1/.well-known/jwks.json",
                "token-endpoint", "https://broker.test/v1/scrip"));
        settings.put("currency", "USD");
        settings.put("data-dir", dir.toString());
        settings.put("rules", List.of(Map.of("match", "/api/**", "price", price, "methods", List.of("GET", "POST"))));
        return settings;
    }

    @Test
    void validSettingsMakeTheSameConfigAsAFile() throws Exception {
        GatewayConfig config = GatewayConfig.of(settings("0.001"), "tollgate");
        assertThat(config.sellerId()).isEqualTo("seller-1");
        assertThat(config.broker().jwksUri()).hasToString("http://127.0.0.1:1/.well-known/jwks.json");
        assertThat(config.rules()).singleElement().satisfies(rule -> {
            assertThat(rule.price().micros()).isEqualTo(1_000);
            assertThat(rule.methods()).containsExactlyInAnyOrder("GET", "POST");
        });
        assertThat(config.dataDir()).isEqualTo(dir);
    }

    @Test
    void aBadValueIsNamedAsTheProperty() {
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfig.of(settings("-0.05"), "tollgate"));
        assertThat(e.problems()).singleElement().asString()
                .startsWith("tollgate.rules[0].price: ").contains("negative");
    }

    @Test
    void aMissingSectionIsNamedAsTheProperty() {
        Map<String, Object> settings = settings("0.05");
        settings.remove("seller");
        settings.put("currency", "dollars");
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfig.of(settings, "tollgate"));
        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems().get(0)).isEqualTo("tollgate.seller: missing");
        assertThat(e.problems().get(1)).startsWith("tollgate.currency: ");
    }

    @Test
    void anUnknownSettingIsRefusedWithWhatIsKnownThere() {
        Map<String, Object> settings = settings("0.05");
        settings.put("rules", List.of(Map.of("match", "/api/**", "prize", "0.05")));
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfig.of(settings, "tollgate"));
        assertThat(e.problems()).singleElement().asString()
                .startsWith("tollgate.rules[0].prize: unknown setting 'prize' (known here: ").contains("price");
    }

    @Test
    void aSectionWhereAValueBelongsIsTheWrongKindOfValue() {
        Map<String, Object> settings = settings("0.05");
        settings.put("currency", Map.of("code", "USD"));
        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
                () -> GatewayConfig.of(settings, "tollgate"));
        assertThat(e.problems()).singleElement().asString().startsWith("tollgate.currency: wrong kind of value: ");
    }

    @Test
    void aFilterBuiltFromAConfigStartsWithoutAFile() throws Exception {
        TollgateFilter filter = TollgateFilter.builder().config(GatewayConfig.of(settings("0.05"), "tollgate"))
                .build();
        filter.init(null);
        try {
            assertThat(filter.config().rules()).hasSize(1);
            assertThat(filter.sellerPublicJwk()).contains("Ed25519");
        } finally {
            filter.destroy();
        }
    }
}
