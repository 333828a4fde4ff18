package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code brokers:} list: its entries, what no two brokers may share, and a rule's {@code brokers}. */
final class BrokersConfigTest {

    private static final String SELLER = "seller:\n  id: seller-1\n";
    private static final String TWO_BROKERS = String.join("\n",
            "brokers:",
            "  - id: alpha",
            "    name: Alpha Pay",
            "    issuer: https://alpha.test",
            "    jwks-url: https://alpha.test/jwks.json",
            "    token-endpoint: https://alpha.test/v1/scrip",
            "  - id: beta",
            "    issuer: https://beta.test",
            "    jwks-url: https://beta.test/jwks.json",
            "    token-endpoint: https://beta.test/v1/scrip",
            "    charge-url: https://pay.beta.test/charges",
            "");

    @TempDir
    Path dir;

    @Test
    void twoBrokersWithTheSameIdAreRefusedWhereTheSecondIdIsWritten() throws Exception {
        InvalidConfigException e = ConfigFiles.problemsOf(dir, SELLER + TWO_BROKERS.replace("id: beta", "id: alpha")
                + "currency: USD\n");
        assertThat(e.problems()).singleElement().asString()
                .startsWith(dir.resolve("gateway.yaml") + ":9:9: brokers[1].id: 'alpha' is already the id of "
                        + "brokers[0]");
    }

    @Test
    void twoBrokersWithTheSameIssuerAreRefusedWhereTheSecondIssuerIsWritten() throws Exception {
        InvalidConfigException e = ConfigFiles.problemsOf(dir, SELLER + TWO_BROKERS.replace("issuer: https://beta.test",
                "issuer: https://alpha.test") + "currency: USD\n");
        assertThat(e.problems()).singleElement().asString()
                .startsWith(dir.resolve("gateway.yaml") + ":10:13: brokers[1].issuer: 'https://alpha.test' is "
                        + "already the issuer of brokers[0]");
    }

    @Test
    void aBrokerSectionAndABrokersListTogetherAreRefused() throws Exception {
        InvalidConfigException e = ConfigFiles.problemsOf(dir, SELLER + TWO_BROKERS
                + "broker:\n  id: gamma\n  issuer: https://gamma.test\n  jwks-url: https://gamma.test/jwks.json\n"
                + "  token-endpoint: https://gamma.test/v1/scrip\ncurrency: USD\n");
        assertThat(e.problems()).singleElement().asString().contains(":4:3: brokers: write either broker: (one "
                + "broker) or brokers: (a list), not both");
    }

    @Test
    void aSettingMissingFromAListEntryIsReportedAtTheEntry() throws Exception {
        InvalidConfigException e = ConfigFiles.problemsOf(dir, SELLER
                + TWO_BROKERS.replace("    issuer: https://beta.test\n", "") + "currency: USD\n");
        assertThat(e.problems()).singleElement().asString().contains(":9:5: brokers[1].issuer: missing");
    }

    @Test
    void anEmptyListIsRefused() throws Exception {
        assertThat(ConfigFiles.problemsOf(dir, SELLER + "brokers: []\ncurrency: USD\n").problems())
                .singleElement().asString().contains(":3:10: brokers: empty list; name at least one broker");
    }

    @Test
    void aRuleNamesOnlyBrokersOfTheConfigEachOnceAndNotOnAFreeRule() throws Exception {
        String header = SELLER + TWO_BROKERS + "currency: USD\nrules:\n";
        InvalidConfigException e = ConfigFiles.problemsOf(dir, header
                + "  - match: /a/**\n    price: 0.01\n    brokers: [alpha, gamma]\n"
                + "  - match: /b/**\n    price: 0.01\n    brokers: [beta, beta]\n"
                + "  - match: /c/**\n    price: 0.01\n    brokers: []\n"
                + "  - match: /d/**\n    charge: free\n    brokers: [alpha]\n");
        assertThat(e.problems()).hasSize(4);
        assertThat(e.problems().get(0)).contains(":18:14: rules[0].brokers: 'gamma' is not the id of a broker of "
                + "this config (alpha, beta)");
        assertThat(e.problems().get(1)).contains(":21:14: rules[1].brokers: 'beta' is listed twice");
        assertThat(e.problems().get(2)).contains(":24:14: rules[2].brokers: empty list; leave brokers out to accept "
                + "every broker");
        assertThat(e.problems().get(3)).contains(":27:14: rules[3].brokers: a free rule takes no payment");
    }

    @Test
    void theRulesThatSellOnePassAcceptTheSameBrokers() throws Exception {
        String header = SELLER + TWO_BROKERS + "currency: USD\n" + PassTest.dayPass("\"/a/**\", \"/b/**\"")
                + "rules:\n";
        InvalidConfigException e = ConfigFiles.problemsOf(dir, header
                + "  - match: /a/**\n    price: 0.01\n    brokers: [alpha]\n    passes: [day-pass]\n"
                + "  - match: /b/**\n    price: 0.01\n    passes: [day-pass]\n");
        assertThat(e.problems()).singleElement().asString().contains("rules[1].brokers: sells pass 'day-pass' but "
                + "accepts [alpha, beta] where /a/**, which sells it too, accepts [alpha]");

        // Every broker named, or none named: the same brokers.
        GatewayConfig config = GatewayConfig.load(ConfigFiles.write(dir, header
                + "  - match: /a/**\n    price: 0.01\n    brokers: [beta, alpha]\n    passes: [day-pass]\n"
                + "  - match: /b/**\n    price: 0.01\n    passes: [day-pass]\n"));
        assertThat(config.rules()).hasSize(2);
    }

    @Test
    void theBrokerSectionIsAListOfOne() throws Exception {
        GatewayConfig config = GatewayConfig.load(ConfigFiles.write(dir, SELLER + "broker:\n  id: solo\n"
                + "  issuer: https://solo.test/\n  jwks-url: https://solo.test/jwks.json\n"
                + "  token-endpoint: https://solo.test/v1/scrip\ncurrency: USD\n"
                + "rules:\n  - match: /a/**\n    price: 0.01\n    brokers: [solo]\n"));
        assertThat(config.brokers()).containsExactly(config.broker());
        assertThat(config.broker().network()).isEqualTo("tollgate:solo");
        assertThat(config.broker().redemptionUri()).hasToString("https://solo.test/v1/redemptions");
        assertThat(config.broker().cancelUri()).hasToString("https://solo.test/v1/scrip/cancel");
        assertThat(config.broker().chargeUri()).hasToString("https://solo.test/v1/charges");
        assertThat(config.rules().get(0).brokers()).containsExactly("solo");
        assertThat(config.rules().get(0).acceptsBroker("solo")).isTrue();
        assertThat(config.rules().get(0).acceptsBroker("other")).isFalse();
    }

    @Test
    void theBrokersLoadInTheOrderWrittenEachWithItsOwnEndpoints() throws Exception {
        GatewayConfig config = GatewayConfig.load(ConfigFiles.write(dir, SELLER + TWO_BROKERS + "currency: USD\n"));

        assertThat(config.brokers()).extracting(GatewayConfig.Broker::id).containsExactly("alpha", "beta");
        assertThat(config.broker().name()).isEqualTo("Alpha Pay");
        GatewayConfig.Broker beta = config.brokers().get(1);
        assertThat(beta.name()).isEqualTo("beta");
        assertThat(beta.network()).isEqualTo("tollgate:beta");
        assertThat(beta.redemptionUri()).hasToString("https://beta.test/v1/redemptions");
        assertThat(beta.chargeUri()).hasToString("https://pay.beta.test/charges");
        assertThat(beta.payUri()).hasToString("https://beta.test/pay");
    }

    @Test
    void aRulesOfferMustFitTheHeaderWithAnEntryForEveryBrokerItAccepts() throws Exception {
        StringBuilder brokers = new StringBuilder("brokers:\n");
        for (int i = 0; i < 12; i++) {
            brokers.append("  - id: b").append(i).append("\n    name: ").append("Broker ".repeat(20)).append(i)
                    .append("\n    issuer: https://b").append(i).append(".test\n    jwks-url: https://b").append(i)
                    .append(".test/jwks.json\n    token-endpoint: https://b").append(i).append(".test/v1/scrip\n");
        }
        String rule = "rules:\n  - match: /a/**\n    price: 0.01\n";

        InvalidConfigException e = ConfigFiles.problemsOf(dir, SELLER + brokers + "currency: USD\n" + rule);
        assertThat(e.problems()).singleElement().asString().contains("rules[0]: its 402's PAYMENT-REQUIRED header "
                + "could take").contains("accept fewer brokers on it");
        assertThat(GatewayConfig.load(ConfigFiles.write(dir, SELLER + brokers + "currency: USD\n" + rule
                + "    brokers: [b0, b1, b2]\n")).rules().get(0).brokers()).hasSize(3);
    }
}
