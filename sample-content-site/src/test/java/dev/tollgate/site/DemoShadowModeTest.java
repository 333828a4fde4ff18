package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.protocol.PaymentHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo switched to {@code mode: shadow} by editing its config while it runs: articles are served free, a paying
 * program is not charged, and the dashboard shows what would have been paid and refused.
 */
class DemoShadowModeTest {

    @TempDir
    static Path dir;
    static DemoFixture demo;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoFixture.start(dir);
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void shadowModeServesFreeAndTheDashboardShowsTheWouldBeRevenue() throws Exception {
        assertThat(demo.get("/articles/the-402-status-code").statusCode()).isEqualTo(402);
        // A program's payment, made from the live offer (in shadow mode there is no 402 to read it from).
        String token = demo.buyScrip(500_000);
        String payment = demo.paymentFor("/articles/hash-chains-explained", token);
        String live = Files.readString(demo.config);
        assertThat(live).contains("# mode: shadow");
        Path next = dir.resolve("gateway.yaml.next");
        Files.writeString(next, live.replace("# mode: shadow", "mode: shadow"));
        Files.move(next, demo.config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (demo.get("/articles/the-402-status-code").statusCode() != 200) {
            assertThat(System.nanoTime()).as("the shadow config applied within 30 s").isLessThan(deadline);
            Thread.sleep(50); // the polling interval: the watcher applies the edit on its own thread
        }

        HttpResponse<String> paid = demo.get("/articles/hash-chains-explained", PaymentHeaders.PAYMENT_SIGNATURE,
                payment);
        assertThat(paid.statusCode()).isEqualTo(200);
        assertThat(paid.headers().firstValue("Tollgate-Shadow")).hasValue("would-charge=30000");
        assertThat(paid.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE)).isEmpty();

        String password = demo.site.admin().generated().orElseThrow();
        String dashboard = demo.get("/admin", "Authorization", "Basic " + Base64.getEncoder().encodeToString(
                ("admin:" + password).getBytes(StandardCharsets.UTF_8))).body();
        assertThat(dashboard).contains("<h2>Shadow mode</h2>").contains("Nothing is charged")
                .contains("<dt>Would-be revenue</dt><dd>0.03 USD</dd>")
                .contains("<code>/articles/hash-chains-explained</code></td><td>1</td>")
                .contains("<code>payment_required</code>");
    }
}
