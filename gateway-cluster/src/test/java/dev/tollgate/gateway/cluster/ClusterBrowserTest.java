package dev.tollgate.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayHarness;
import dev.tollgate.gateway.TollgateFilter;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.testing.Poll;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser flow's one-use purchase states over three real gateway nodes on one real redis-server: a state a
 * callback took on one node is taken on every node.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ClusterBrowserTest {

    private static final Pattern STATE_COOKIE = Pattern.compile(BrowserFlow.STATE_COOKIE + "=([A-Za-z0-9_.-]+);");
    private static final Pattern STATE_PARAM = Pattern.compile("&amp;state=([A-Za-z0-9_-]+)&amp;");

    @TempDir
    Path dir;
    private TestCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = TestCluster.start(dir, GatewayHarness.RULES);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    /** What a browser holds after viewing a paywall on {@code node}: the state sent to the broker, the cookie. */
    private record Paywall(String state, String cookie) {
    }

    private Paywall paywall(int node) throws Exception {
        HttpResponse<String> page = cluster.node(node).send("/articles/one", null, "Accept", "text/html");
        assertThat(page.statusCode()).isEqualTo(402);
        Matcher cookie = STATE_COOKIE.matcher(String.join("\n", page.headers().allValues("Set-Cookie")));
        Matcher state = STATE_PARAM.matcher(page.body());
        assertThat(cookie.find() && state.find()).as(page.body()).isTrue();
        return new Paywall(state.group(1), cookie.group(1));
    }

    /** The broker's hand-back form posted to {@code node}, as JSON for the test to read. */
    private HttpResponse<String> callback(int node, Paywall paywall, String token) throws Exception {
        return cluster.node(node).send(BrowserFlow.CALLBACK_PATH, "token=" + URLEncoder.encode(token,
                StandardCharsets.UTF_8) + "&state=" + paywall.state(), "Cookie", BrowserFlow.STATE_COOKIE + "="
                + paywall.cookie(), "Accept", "application/json");
    }

    private String scrip() {
        return cluster.broker.scrip().budget("500000").sign();
    }

    @Test
    void aStateTakenOnOneNodeIsRefusedWithOtherScripOnTheOthersAndAnsweredAlikeWithItsOwn() throws Exception {
        Paywall paywall = paywall(0);
        String token = scrip();
        HttpResponse<String> completed = callback(0, paywall, token);
        assertThat(completed.statusCode()).as(completed.body()).isEqualTo(200);
        assertThat(completed.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith(
                TollgateFilter.SCRIP_COOKIE + "="));

        for (int node = 1; node < 3; node++) {
            HttpResponse<String> other = callback(node, paywall, scrip());
            assertThat(other.statusCode()).as(other.body()).isEqualTo(400);
            assertThat(other.body()).contains("\"error\":\"invalid_state\"", "completed already");
            HttpResponse<String> same = callback(node, paywall, token);
            assertThat(same.statusCode()).as("the same form posted again: " + same.body()).isEqualTo(200);
        }
    }

    @Test
    void withRedisDownACallbackFailsClosedWithJsonAndLeavesThePurchaseToComplete() throws Exception {
        Paywall paywall = paywall(2);
        String token = scrip();
        cluster.redis.kill();
        HttpResponse<String> refused = callback(1, paywall, token);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(refused.body()).contains("\"error\":\"ledger_unavailable\"");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        cluster.redis.start();
        Poll.until("the purchase completes once Redis is back", () -> callback(0, paywall, token).statusCode()
                == 200);
        // Node 1 fails closed (503, nothing taken) until its own connection to Redis is back, which may come after
        // node 0's: poll for its first other answer.
        int[] answered = new int[1];
        Poll.until("node 1 answers once its connection to Redis is back",
                () -> (answered[0] = callback(1, paywall, scrip()).statusCode()) != 503);
        assertThat(answered[0]).as("and its state is taken").isEqualTo(400);
    }
}
