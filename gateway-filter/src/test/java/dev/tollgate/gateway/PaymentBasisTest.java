package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.TestBroker;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.PaymentPayload;
import dev.tollgate.protocol.PaymentRequirements;
import dev.tollgate.protocol.ResourceInfo;
import dev.tollgate.protocol.X402Codec;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Payment#basis()} as the app reads it, through a real Jetty and SQLite ledger: why each paid request is
 * served (charged now, replayed, within an access window, on a pass, within a stream's window, metered), and no
 * {@code Payment} at all on a free read.
 */
final class PaymentBasisTest {

    private static final String CONFIG = PassTest.dayPass("\"/passed/**\"") + String.join("\n",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    access: 24h",
            "    free: {count: 1, per: 30d}",
            "  - match: /passed/**",
            "    price: 0.05",
            "    passes: [day-pass]",
            "  - match: /videos/**",
            "    price: 0.10",
            "    charge: per-stream",
            "    stream: /videos/{id}/**",
            "    id: videos",
            "  - match: /files/**",
            "    price: 0.001",
            "    charge: metered",
            "    unit: 1KiB",
            "  - match: /clicks/**",
            "    price: 0.01",
            "");
    private static final long BUDGET = 2_000_000;

    @TempDir
    Path dir;

    GatewayHarness gateway;
    String token;

    @BeforeEach
    void start() throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(CONFIG).start();
        token = AccessWindowTest.scrip(gateway, "basis", TestBroker.BUYER, BUDGET);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    /** Pays {@code path} with the 402's offer number {@code offer}, under the payment identifier {@code id}. */
    private HttpTester.Response pay(String path, int offer, String id) throws Exception {
        PaymentRequirements accepted = TollgateFilterTest.offerOf(gateway.get(path)).accepts().get(offer);
        Map<String, Object> extensions = id == null ? null : Map.of("payment-identifier", Map.of("info", Map.of(
                "required", false, "id", id)));
        return gateway.get(path, PaymentHeaders.PAYMENT_SIGNATURE, X402Codec.encodeHeader(new PaymentPayload(2,
                new ResourceInfo("http://shop.test" + path, "", ""), accepted, Map.of("token", token), extensions)));
    }

    private static String basis(HttpTester.Response response) throws Exception {
        assertThat(response.getStatus()).as("served, not refused (%s)", response.get(PaymentHeaders.PAYMENT_REQUIRED)
                == null ? "" : TollgateFilterTest.offerOf(response).error()).isBetween(200, 299);
        return response.get("X-Paid-Basis");
    }

    @Test
    void eachWayAPaidRequestIsServedNamesItsBasis() throws Exception {
        assertThat(basis(pay("/clicks/one", 0, "pay_0123456789abcdef0123456789abcdef"))).isEqualTo("PAID");
        assertThat(basis(pay("/clicks/one", 0, "pay_0123456789abcdef0123456789abcdef"))).isEqualTo("REPLAYED");

        assertThat(basis(pay("/articles/one", 0, null))).isEqualTo("PAID");
        assertThat(basis(pay("/articles/one", 0, null))).isEqualTo("ACCESS_WINDOW");

        assertThat(basis(pay("/passed/one", 1, null))).as("the pass bought").isEqualTo("PAID");
        assertThat(basis(pay("/passed/two", 0, null))).isEqualTo("PASS");

        assertThat(basis(pay("/videos/abc/movie.mp4", 0, null))).isEqualTo("PAID");
        assertThat(basis(pay("/videos/abc/seg-1.ts", 0, null))).isEqualTo("STREAM_WINDOW");

        assertThat(basis(pay("/files/data.csv", 0, null))).isEqualTo("METERED");
        assertThat(gateway.remaining("basis", BUDGET)).isEqualTo(BUDGET - 10_000 - 50_000 - 500_000 - 100_000
                - 1_000);
    }

    @Test
    void aFreeReadCarriesNoPayment() throws Exception {
        HttpTester.Response free = gateway.get("/articles/free", FreeAllowanceTest.PAGE_LOAD);

        assertThat(free.getStatus()).isEqualTo(200);
        assertThat(free.get("X-Paid-Basis")).isNull();
        assertThat(free.get("X-Paid")).isNull();
    }
}
