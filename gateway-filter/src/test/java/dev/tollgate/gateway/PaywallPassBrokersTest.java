package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.TestBroker;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in paywall of a rule that two brokers accept, through a real Jetty, its HTML parsed: the item and each pass
 * it sells are offered at each broker, and each pass button sends the reader to the broker it names; a rule one broker
 * accepts offers its pass there alone.
 */
final class PaywallPassBrokersTest {

    private static final String SECOND = "https://second.test";
    // A pass is sold by rules that accept the same brokers (a config where they differ is refused: BrokersConfigTest).
    private static final String CONFIG = PassTest.dayPass("\"/articles/**\"") + String.join("\n",
            "  - id: second-pass",
            "    title: Second pass",
            "    price: 0.40",
            "    duration: 24h",
            "    covers: [\"/second-only/**\"]",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    passes: [day-pass]",
            "  - match: /second-only/**",
            "    price: 0.05",
            "    brokers: [second]",
            "    passes: [second-pass]",
            "");

    @TempDir
    java.nio.file.Path dir;

    private GatewayHarness gateway;
    private JwksServer secondJwks;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir);
        TestBroker second = new TestBroker(gateway.clock, SECOND, "b-");
        secondJwks = JwksServer.start(second::jwksJson);
        gateway.brokers(String.join("\n",
                "brokers:",
                "  - id: test",
                "    name: Test Broker",
                "    issuer: " + TestBroker.ISSUER,
                "    jwks-url: " + gateway.jwks.jwksUri(),
                "    token-endpoint: https://broker.test/v1/scrip",
                "  - id: second",
                "    name: Second Broker",
                "    issuer: " + SECOND,
                "    jwks-url: " + secondJwks.jwksUri(),
                "    token-endpoint: https://second.test/v1/scrip",
                "")).writeConfig(CONFIG).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        secondJwks.close();
    }

    private PaywallHtml paywall(String path) throws Exception {
        HttpTester.Response page = gateway.get(path, "Accept", "text/html");
        assertThat(page.getStatus()).isEqualTo(402);
        return PaywallHtml.parse(gateway.body(page));
    }

    /** Submits {@code form} as the browser would on a click. */
    private HttpTester.Response submit(PaywallHtml.Form form) throws Exception {
        String body = form.fields().entrySet().stream().map(field -> field.getKey() + "="
                + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        return gateway.postForm(form.action(), body, BrowserRequests.CLICK_HERE);
    }

    @Test
    void theItemAndItsPassAreOfferedAtEachBrokerAndEachPassButtonGoesToItsBroker() throws Exception {
        PaywallHtml page = paywall("/articles/one");

        assertThat(page.payLinks()).extracting(PaywallHtml.Link::text)
                .containsExactly("Pay 0.05 USD with Test Broker", "Pay 0.05 USD with Second Broker");
        assertThat(page.forms()).extracting(PaywallHtml.Form::button, form -> form.fields().get("broker"))
                .containsExactly(tuple("Buy Day pass: 0.50 USD with Test Broker", "test"),
                        tuple("Buy Day pass: 0.50 USD with Second Broker", "second"));
        assertThat(page.forms()).allSatisfy(form -> assertThat(form.fields()).containsAllEntriesOf(Map.of(
                "path", "/articles/one", "pass", "day-pass")));

        HttpTester.Response toTest = submit(page.forms().get(0));
        HttpTester.Response toSecond = submit(page.forms().get(1));
        assertThat(toTest.getStatus()).isEqualTo(303);
        assertThat(toTest.get("Location")).startsWith("https://broker.test/pay?").endsWith("&price=500000&item=Day+pass");
        assertThat(toSecond.getStatus()).isEqualTo(303);
        assertThat(toSecond.get("Location")).startsWith(SECOND + "/pay?").endsWith("&price=500000&item=Day+pass");
    }

    @Test
    void aRuleOneBrokerAcceptsOffersItsPassThereAlone() throws Exception {
        PaywallHtml page = paywall("/second-only/one");

        assertThat(page.payLinks()).extracting(PaywallHtml.Link::text)
                .containsExactly("Pay 0.05 USD with Second Broker");
        assertThat(page.forms()).extracting(PaywallHtml.Form::button)
                .containsExactly("Buy Second pass: 0.40 USD with Second Broker");
        assertThat(submit(page.forms().get(0)).get("Location")).startsWith(SECOND + "/pay?");
    }
}
