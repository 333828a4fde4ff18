package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.http.Offers;
import dev.tollgate.gateway.ledger.SqliteLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ConfigLoaderTest {

    static final String HEADER = String.join("\n",
            "seller:",
            "  id: seller-1",
            "  name: Test Seller",
            "broker:",
            "  id: test",
            "  issuer: https://broker.test",
            "  jwks-url: http://127.0.0.1:1/.well-known/jwks.json",
            "  token-endpoint: https://broker.test/v1/scrip",
            "currency: USD",
            "");

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return ConfigFiles.write(dir, yaml);
    }

    private InvalidConfigException problemsOf(String yaml) throws IOException {
        return ConfigFiles.problemsOf(dir, yaml);
    }

    @Test
    void theDocumentedExampleLoads() throws Exception {
        // The example trusts the demo's generated certificate, which only a started demo has: stand one in.
        Path pem = dev.tollgate.gateway.testing.SelfSignedCertificate.generate().writePem(dir.resolve("demo.pem"));
        System.setProperty("tollgate.trust-file", pem.toString());
        GatewayConfig config;
        try {
            config = GatewayConfig.load(Path.of("..", "config", "gateway.yaml"));
        } finally {
            System.clearProperty("tollgate.trust-file");
        }
        assertThat(config.broker().trustFile()).contains(pem);
        assertThat(config.sellerId()).isEqualTo("daily-byte");
        assertThat(config.rules()).hasSize(10);
        assertThat(config.rules().get(1).price().micros()).isEqualTo(20_000);
        assertThat(config.rules().get(4).price().micros()).isEqualTo(50_000);
        assertThat(config.rules().get(6).charge()).isEqualTo(ChargeModel.PER_STREAM);
        assertThat(config.rules().get(6).stream()).contains("/videos/{id}/**");
        assertThat(config.rules().get(7).charge()).isEqualTo(ChargeModel.METERED);
        assertThat(config.rules().get(7).unitBytes()).isEqualTo(64 << 10);
        assertThat(config.rules().get(7).schemes()).containsExactly("scrip", "payword");
        assertThat(config.rules().get(8).price().micros()).isEqualTo(250_000);
        assertThat(config.rules().get(9).price().micros()).isEqualTo(1_000);
        assertThat(config.payword()).isEqualTo(new GatewayConfig.PayWord(100_000, 1_000));
        assertThat(config.rules().get(0).charge()).isEqualTo(ChargeModel.FREE);
        assertThat(config.broker().unknownKidRefetch()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void appliesDefaultsAndResolvesTheDataDirAgainstTheFile() throws Exception {
        GatewayConfig config = GatewayConfig.load(write(HEADER + "rules:\n  - match: /a/**\n    price: 0.05\n"));
        assertThat(config.dataDir()).isEqualTo(dir.toAbsolutePath().resolve("data"));
        assertThat(config.ledgerFile()).isEqualTo(dir.toAbsolutePath().resolve("data").resolve("ledger.db"));
        assertThat(config.durability()).isEqualTo(GatewayConfig.Durability.PROCESS_CRASH_SAFE);
        assertThat(config.ledgerLimits()).isEqualTo(new SqliteLedger.Limits(64L << 20, 256L << 20));
        assertThat(config.rules().get(0).charge()).isEqualTo(ChargeModel.PER_CLICK);
        assertThat(config.rules().get(0).methods()).isEmpty();
        assertThat(config.broker().maxStale()).isEqualTo(Duration.ofHours(24));
        assertThat(config.broker().name()).isEqualTo("test");
        assertThat(config.maxTimeoutSeconds()).isEqualTo(60);
    }

    @Test
    void theLedgersDiskBoundsAreReadAndCheckedWithTheirLines() throws Exception {
        GatewayConfig config = GatewayConfig.load(write(HEADER + String.join("\n",
                "ledger:",
                "  max-backlog: 1GiB",
                "  disk-reserve: 2 GiB",
                "")));
        assertThat(config.ledgerLimits()).isEqualTo(new SqliteLedger.Limits(1L << 30, 2L << 30));

        InvalidConfigException e = problemsOf(HEADER + String.join("\n",
                "ledger:",
                "  max-backlog: 1MiB",
                "  disk-reserve: 0B",
                ""));
        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems().get(0)).contains(":11:16: ledger.max-backlog:").contains("16 MiB and 16 GiB");
        assertThat(e.problems().get(1)).contains(":12:17: ledger.disk-reserve:").contains("at least 1 byte");
        assertThat(problemsOf(HEADER + "ledger:\n  disk-reserve: 2048GiB\n").problems()).singleElement().asString()
                .contains("ledger.disk-reserve").contains("1 MiB and 1024 GiB");
    }

    @Test
    void anUnknownKeyIsNamedWithItsLineAndColumn() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + "rules:\n  - match: /a/**\n    prize: 0.05\n");
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:12:5")
                .contains("rules[0]")
                .contains("unknown setting 'prize'")
                .contains("price");
    }

    @Test
    void aKeyWrittenTwiceInOneRuleIsNamedWithItsLineAndColumn() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + "rules:\n  - match: /a/**\n    price: 0.05\n    price: 0.01\n");
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:13:5")
                .contains("rules[0]")
                .contains("'price' is written twice");
    }

    @Test
    void aSectionWrittenTwiceAtTheTopIsNamedWithItsLineAndColumn() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + "broker:\n  id: other\n");
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:10:1")
                .contains("'broker' is written twice");
    }

    @Test
    void reportsEveryBadValueAtOnceWithLineColumnAndSetting() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: -0.05",
                "  - match: /b/**",
                "    price: 0.0000001",
                "  - match: c/**",
                "    price: 0.01",
                "  - match: /d",
                "    price: 1 EUR",
                "  - match: /e",
                "    charge: per-year",
                "    price: 1",
                "  - match: /f",
                "    methods: [FETCH]",
                "    price: 1",
                ""));
        assertThat(e.problems()).hasSize(6);
        assertThat(e.problems().get(0)).contains(":12:12: rules[0].price:").contains("negative");
        assertThat(e.problems().get(1)).contains(":14:12: rules[1].price:").contains("6 decimals");
        assertThat(e.problems().get(2)).contains(":15:12: rules[2].match:").contains("must start with /");
        assertThat(e.problems().get(3)).contains(":18:12: rules[3].price:").contains("EUR");
        assertThat(e.problems().get(4)).contains(":20:13: rules[4].charge:").contains("per-year");
        assertThat(e.problems().get(5)).contains(":23:14: rules[5].methods:").contains("FETCH");
        assertThat(e.getMessage()).startsWith(dir.resolve("gateway.yaml") + " has 6 problems:");
    }

    @Test
    void rejectsDuplicateAndUnreachableRules() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + String.join("\n",
                "rules:",
                "  - match: /a/**",
                "    price: 0.01",
                "  - match: /a/**",
                "    price: 0.02",
                "  - match: /a/special",
                "    price: 0.03",
                "  - match: '*.mp4'",
                "    price: 0.03",
                "  - match: /v/*.mp4",
                "    price: 0.04",
                ""));
        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0)).contains("rules[1].match").contains("duplicates rules[0]");
        assertThat(e.problems().get(1)).contains("rules[2].match").contains("can never match")
                .contains("rules[0] ('/a/**')");
        assertThat(e.problems().get(2)).contains("rules[4].match").contains("rules[3] ('*.mp4')");
    }

    @Test
    void aRuleLimitedToSomeMethodsDoesNotHideALaterRuleForOthers() throws Exception {
        GatewayConfig config = GatewayConfig.load(write(HEADER + String.join("\n",
                "rules:",
                "  - match: /api/**",
                "    methods: [GET]",
                "    price: 0.01",
                "  - match: /api/**",
                "    methods: [POST]",
                "    price: 0.02",
                "")));
        assertThat(config.rules()).hasSize(2);
    }

    @Test
    void aHeadRuleAfterAGetRuleForTheSamePathsCanNeverMatchAndIsRefused() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + String.join("\n",
                "rules:",
                "  - match: /api/**",
                "    methods: [GET]",
                "    price: 0.01",
                "  - match: /api/**",
                "    methods: [HEAD]",
                "    price: 0.02",
                ""));
        assertThat(e.problems()).singleElement().asString().contains("rules[1].match: '/api/**' can never match")
                .contains("rules[0]");
    }

    @Test
    void namesMissingSettings() throws Exception {
        InvalidConfigException e = problemsOf("seller:\n  name: x\nrules:\n  - match: /a\n");
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("seller.id: missing"))
                .anySatisfy(p -> assertThat(p).contains("broker: missing"))
                .anySatisfy(p -> assertThat(p).contains("currency: missing"));
    }

    @Test
    void aPerClickRuleNeedsAPositivePriceAndAFreeRuleNone() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + String.join("\n",
                "rules:",
                "  - match: /a",
                "  - match: /b",
                "    price: 0",
                "  - match: /c",
                "    charge: free",
                "    price: 0.01",
                ""));
        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0)).contains("rules[0].price: missing");
        assertThat(e.problems().get(1)).contains("rules[1].price").contains("above 0");
        assertThat(e.problems().get(2)).contains("rules[2].price").contains("free rule cannot have a price");
    }

    @Test
    void brokerUrlsMustBeHttpsExceptOnLoopback() throws Exception {
        InvalidConfigException e = problemsOf(HEADER.replace("http://127.0.0.1:1", "http://broker.example")
                .replace("https://broker.test/v1/scrip", "ftp://x"));
        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems().get(0)).contains("broker.jwks-url").contains("must use https");
        assertThat(e.problems().get(1)).contains("broker.token-endpoint").contains("http(s) URL");
    }

    @Test
    void theCancelUrlDefaultsUnderTheIssuerAndMustBeHttpsExceptOnLoopback() throws Exception {
        GatewayConfig defaults = GatewayConfig.load(write(HEADER));
        assertThat(defaults.broker().cancelUri()).hasToString("https://broker.test/v1/scrip/cancel");
        GatewayConfig loopback = GatewayConfig.load(write(HEADER.replace("broker:\n",
                "broker:\n  cancel-url: http://127.0.0.1:9/cancel\n")));
        assertThat(loopback.broker().cancelUri()).hasToString("http://127.0.0.1:9/cancel");

        InvalidConfigException e = problemsOf(HEADER.replace("broker:\n",
                "broker:\n  cancel-url: http://broker.example/v1/scrip/cancel\n"));

        assertThat(e.problems()).singleElement().asString().contains(":5:15: broker.cancel-url:")
                .contains("must use https");
    }

    @Test
    void rejectsBadDurationsIdsAndCurrencies() throws Exception {
        InvalidConfigException e = problemsOf(HEADER.replace("id: test", "id: 'not valid!'")
                .replace("currency: USD", "currency: XYZ") + "broker-typo: 1\n");
        assertThat(e.problems()).singleElement().asString().contains("unknown setting 'broker-typo'");
        e = problemsOf(HEADER.replace("id: test", "id: 'not valid!'\n  max-stale: 10 years")
                .replace("currency: USD", "currency: XYZ"));
        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0)).contains("currency").contains("ISO 4217");
        assertThat(e.problems().get(1)).contains("broker.id");
        assertThat(e.problems().get(2)).contains("broker.max-stale").contains("not a duration");
    }

    @Test
    void aMaxStaleShorterThanTwoKeyRefreshesIsRefusedWhereItIsWritten() throws Exception {
        InvalidConfigException e = problemsOf(HEADER.replace("currency: USD",
                "  key-refresh: 10m\n  max-stale: 5m\ncurrency: USD"));
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:10:14: broker.max-stale: max-stale (5m) must be at least twice key-refresh "
                        + "(10m)").contains("make max-stale 20m or more");

        e = problemsOf(HEADER.replace("currency: USD", "  key-refresh: 24h\ncurrency: USD"));
        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:9:16: broker.key-refresh: max-stale (1d) must be at least twice key-refresh "
                        + "(1d)");

        assertThat(GatewayConfig.load(write(HEADER.replace("currency: USD",
                "  key-refresh: 10m\n  max-stale: 20m\ncurrency: USD"))).broker().maxStale())
                .isEqualTo(Duration.ofMinutes(20));
    }

    @Test
    void aRuleWhoseOfferCouldOverflowTheResponseHeadersIsRefusedWhereItIsWritten() throws Exception {
        String rules = String.join("\n",
                "rules:",
                "  - match: /small/**",
                "    price: 0.05",
                "  - match: /big/**",
                "    price: 0.05",
                "    schemes: [scrip, payword]",
                "    description: '" + "\u20ac".repeat(500) + "'",
                "");
        String header = HEADER.replace("name: Test Seller", "name: '" + "\u20ac".repeat(200) + "'");

        InvalidConfigException e = problemsOf(header + rules);

        assertThat(e.problems()).singleElement().asString()
                .contains("gateway.yaml:13:5: rules[1]: its 402's PAYMENT-REQUIRED header could take")
                .contains("more than the " + Offers.MAX_HEADER_CHARS).contains("shorten its description");
        assertThat(GatewayConfig.load(write(HEADER + rules.replace("\u20ac".repeat(500), "One article"))).rules())
                .hasSize(2);
    }

    @Test
    void theLimitOnFailedPaymentsHasDefaultsAndBadValuesAreNamedWhereWritten() throws Exception {
        assertThat(GatewayConfig.load(write(HEADER)).clientLimits()).isEqualTo(GatewayConfig.ClientLimits.DEFAULTS);
        GatewayConfig config = GatewayConfig.load(write(HEADER + String.join("\n",
                "failed-payments:",
                "  burst: 50",
                "  per-minute: 120",
                "  clients: 20000",
                "client-address-header: X-Real-IP",
                "")));
        assertThat(config.clientLimits()).isEqualTo(new GatewayConfig.ClientLimits(50, 120, 20_000,
                java.util.Optional.of("X-Real-IP")));

        InvalidConfigException e = problemsOf(HEADER + String.join("\n",
                "failed-payments:",
                "  burst: 0",
                "  per-minute: lots",
                "  clients: 10",
                "client-address-header: 'X Forwarded: for'",
                ""));
        assertThat(e.problems()).hasSize(4);
        assertThat(e.problems().get(0)).contains(":11:10: failed-payments.burst:").contains("between 1 and 10000");
        assertThat(e.problems().get(1)).contains(":12:15: failed-payments.per-minute:").contains("not a whole number");
        assertThat(e.problems().get(2)).contains(":13:12: failed-payments.clients:").contains("1000 and 10000000");
        assertThat(e.problems().get(3)).contains(":14:24: client-address-header:").contains("not a header name");
    }

    @Test
    void aBadMaxTimeoutIsAProblemNotACrash() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + "max-timeout: 2h\n");
        assertThat(e.problems()).singleElement().asString().contains("max-timeout").contains("between 1s and 1h");
        e = problemsOf(HEADER + "max-timeout: 99999999999999999999d\n");
        assertThat(e.problems()).singleElement().asString().contains("max-timeout");
    }

    @Test
    void invalidYamlIsReportedWithItsPosition() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + "rules:\n  - match: \"unterminated\n");
        assertThat(e.problems()).singleElement().asString().contains("gateway.yaml:").contains("YAML");
    }

    @Test
    void aWrongKindOfValueIsNamed() throws Exception {
        InvalidConfigException e = problemsOf(HEADER + "rules:\n  - match:\n      nested: true\n");
        assertThat(e.problems()).singleElement().asString().contains("rules[0].match").contains("wrong kind");
    }

    @Test
    void anEmptyOrMissingFileIsRefused() throws Exception {
        assertThat(problemsOf("").problems()).singleElement().asString().contains("empty");
        assertThatThrownBy(() -> GatewayConfig.load(dir.resolve("absent.yaml")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("cannot read");
    }
}
