package dev.tollgate.site;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.testing.Poll;
import dev.tollgate.protocol.PaymentHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /admin/metrics}: the gateway's meters as Prometheus text, behind the dashboard's sign-in, scraped and parsed. */
class MetricsPageTest {

    private static final String ACCEPTED =
            "tollgate_payments_total{code=\"none\",outcome=\"accepted\",scheme=\"scrip\"}";
    /** The 402 offer the buyer's program read before paying. */
    private static final String REFUSED =
            "tollgate_payments_total{code=\"payment_required\",outcome=\"refused\",scheme=\"none\"}";

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
    void theMetricsAreShownOnlyToTheAdmin() throws Exception {
        String password = demo.site.admin().generated().orElseThrow();

        assertThat(demo.get("/admin/metrics").statusCode()).isEqualTo(401);
        assertThat(demo.get("/admin/metrics", "Authorization", basic("admin", password + "x")).statusCode())
                .isEqualTo(401);
        HttpResponse<String> page = demo.get("/admin/metrics", "Authorization", basic("admin", password));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
    }

    @Test
    void aPaidArticleIsCountedAcceptedWithItsRevenueUnderItsRule() throws Exception {
        String token = demo.buyScrip(500_000);
        String article = "/articles/hash-chains-explained";
        assertThat(demo.get(article, PaymentHeaders.PAYMENT_SIGNATURE, demo.paymentFor(article, token)).statusCode())
                .isEqualTo(200);

        @SuppressWarnings("unchecked")
        Map<String, Double>[] scraped = new Map[1];
        Poll.until("the offer and the paid request counted", () -> {
            scraped[0] = scrape();
            return scraped[0].containsKey(ACCEPTED) && scraped[0].containsKey(REFUSED);
        });
        Map<String, Double> metrics = scraped[0];

        assertThat(metrics).containsEntry(ACCEPTED, 1.0).containsEntry(REFUSED, 1.0);
        assertThat(metrics).containsEntry(
                "tollgate_revenue_micros_total{currency=\"USD\",rule=\"/articles/hash-chains-explained\"}", 30_000.0);
        assertThat(metrics.get("tollgate_ledger_charge_seconds_count")).isEqualTo(1.0);
        assertThat(metrics.get("tollgate_verification_seconds_count{cached=\"false\"}")).isEqualTo(1.0);
        assertThat(metrics.get("tollgate_keys_age_seconds{broker=\"demo\"}")).isBetween(0.0, 3600.0);
        assertThat(metrics.get("tollgate_keys_age_seconds{broker=\"second\"}")).isBetween(0.0, 3600.0);
        assertThat(metrics).containsKeys("tollgate_settlement_backlog_amount_micros{broker=\"demo\",currency=\"USD\"}",
                "tollgate_settlement_backlog_age_seconds{broker=\"demo\"}",
                "tollgate_keys_refresh_failures_total{broker=\"demo\"}",
                "tollgate_config_reloads_total{result=\"accepted\"}");
    }

    /** The page's samples, by name and labels as written ({@code name{a="x",b="y"}}), without comments. */
    private static Map<String, Double> scrape() throws Exception {
        String password = demo.site.admin().generated().orElseThrow();
        HttpResponse<String> page = demo.get("/admin/metrics", "Authorization", basic("admin", password));
        assertThat(page.statusCode()).isEqualTo(200);
        Map<String, Double> samples = new HashMap<>();
        for (String line : page.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
