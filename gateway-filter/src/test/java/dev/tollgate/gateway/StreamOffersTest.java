package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.PaymentRequirements;
import java.nio.file.Path;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 402 offer names every scheme a rule accepts and the parameters of its charge model. */
final class StreamOffersTest {

    static final String RULES = String.join("\n",
            "payword:",
            "  max-chain-length: 5000",
            "  max-step: 50",
            "rules:",
            "  - match: /videos/**",
            "    price: 0.10",
            "    charge: per-stream",
            "    window: 6h",
            "    stream: /videos/{id}/**",
            "  - match: /files/**",
            "    price: 0.01",
            "    charge: metered",
            "    unit: 1MiB",
            "    schemes: [scrip, payword]",
            "  - match: /api/**",
            "    price: 0.001",
            "    schemes: [scrip, payword]",
            "");

    @TempDir
    Path dir;

    GatewayHarness gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(RULES).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void aPerStreamOfferNamesTheWindowAndTheStreamOfTheRequest() throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get("/videos/abc/seg-3.ts"));

        assertThat(offer.accepts()).singleElement().satisfies(scrip -> {
            assertThat(scrip.scheme()).isEqualTo("scrip");
            assertThat(scrip.amount()).isEqualTo("100000");
            assertThat(scrip.extra()).containsEntry("charge", "per-stream")
                    .containsEntry("stream", "/videos/abc")
                    .doesNotContainKey("unit");
            assertThat(((Number) scrip.extra().get("window")).longValue()).isEqualTo(6 * 3600);
        });
    }

    @Test
    void aMeteredOfferListsScripAndPayWordWithTheUnitAndChainLimits() throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get("/files/big.iso"));

        assertThat(offer.accepts()).extracting(PaymentRequirements::scheme).containsExactly("scrip", "payword");
        for (PaymentRequirements accepts : offer.accepts()) {
            assertThat(accepts.amount()).isEqualTo("10000");
            assertThat(accepts.network()).isEqualTo("tollgate:test");
            assertThat(accepts.extra()).containsEntry("charge", "metered").doesNotContainKey("window");
            assertThat(((Number) accepts.extra().get("unit")).longValue()).isEqualTo(1 << 20);
        }
        assertThat(offer.accepts().get(0).extra()).doesNotContainKey("maxChainLength");
        PaymentRequirements payword = offer.accepts().get(1);
        assertThat(((Number) payword.extra().get("maxChainLength")).intValue()).isEqualTo(5000);
        assertThat(((Number) payword.extra().get("maxStep")).intValue()).isEqualTo(50);
    }

    @Test
    void aPerClickRuleMayOfferPayWordToo() throws Exception {
        PaymentRequired offer = TollgateFilterTest.offerOf(gateway.get("/api/quote"));

        assertThat(offer.accepts()).extracting(PaymentRequirements::scheme).containsExactly("scrip", "payword");
        assertThat(offer.accepts().get(1).extra()).containsEntry("charge", "per-click");
    }

    @Test
    void thePaymentPageSaysTheModelInWords() throws Exception {
        HttpTester.Response video = gateway.get("/videos/abc/seg-3.ts", "Accept", "text/html");
        assertThat(gateway.body(video)).contains("0.10 USD for this stream, to watch as often as "
                + "you like for 6 hours", "everything under /videos/abc");
        HttpTester.Response file = gateway.get("/files/big.iso", "Accept", "text/html");
        assertThat(gateway.body(file)).contains("0.01 USD for each 1 MiB you download",
                "you can resume it", "A PayWord hash chain pays here too");
    }

    @Test
    void windowsAndUnitsChangeLiveOnReload() throws Exception {
        gateway.writeConfig(RULES.replace("window: 6h", "window: 30m").replace("unit: 1MiB", "unit: 64KiB"));

        ConfigReloadTest.awaitTrue(() -> ((Number) TollgateFilterTest.offerOf(gateway.get("/videos/a/x")).accepts()
                .get(0).extra().get("window")).longValue() == 1800);
        assertThat(((Number) TollgateFilterTest.offerOf(gateway.get("/files/x")).accepts().get(0).extra()
                .get("unit")).longValue()).isEqualTo(64 * 1024);
        assertThat(gateway.filter.lastReloadProblem()).isEmpty();
    }
}
