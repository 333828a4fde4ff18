package dev.tollgate.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.TollgateFilter;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A purchase through the broker's real pages whose way back the real gateway refuses (the browser lost its state
 * cookie): the scrip the broker issued is cancelled there, and the buyer's budget is back in the balance at once, or,
 * if the broker cannot be reached at that moment, as soon as it can (docs/PROTOCOL.md section 10).
 */
final class BrowserPurchaseCancelTest {

    private static final Pattern PAY_LINK = Pattern.compile("<a class=\"pay\" href=\"([^\"]+)\"");
    private static final long DEPOSIT = 5_000_000;

    @TempDir
    Path dir;

    private Broker broker;
    private int brokerPort;
    private TollgateFilter filter;
    private Server gateway;
    private URI site;
    private DemoBuyer buyer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        broker = TestBrokers.builder(dir.resolve("broker")).demoMode(true).build().start();
        brokerPort = broker.baseUri().getPort();
        Path config = EndToEndSettlementTest.writeConfig(dir, broker);
        Files.writeString(config, Files.readString(config).replace("  charge-url:", "  cancel-url: "
                + broker.baseUri() + "/v1/scrip/cancel\n  pay-url: " + broker.payUri() + "\n  charge-url:"));
        filter = TollgateFilter.builder().configFile(config).build();
        gateway = EndToEndSettlementTest.startGateway(filter);
        site = URI.create("http://127.0.0.1:" + ((ServerConnector) gateway.getConnectors()[0]).getLocalPort());
        broker.registerSeller(Seller.of("daily-byte", "The Daily Byte", filter.sellerPublicJwk(),
                List.of(site.toString())));
        buyer = broker.createDemoBuyer("reader", DEPOSIT);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.stop();
        broker.close();
    }

    /** Opens the paywall, pays at the broker's pages; returns the hand-back form the broker would auto-submit. */
    private Map<String, String> payAtTheBroker(long budget) throws Exception {
        HttpResponse<String> paywall = http.send(HttpRequest.newBuilder(site.resolve("/articles/a"))
                .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(paywall.statusCode()).isEqualTo(402);
        Matcher link = PAY_LINK.matcher(paywall.body());
        assertThat(link.find()).isTrue();
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : URI.create(BrowserClient.unescape(link.group(1))).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1],
                    StandardCharsets.UTF_8));
        }
        BrowserClient browser = new BrowserClient(broker);
        BrowserClient.Page handBack = browser.consent(browser.loggedIn(buyer, params),
                Map.of("budget", Long.toString(budget), "action", "allow"));
        assertThat(handBack.formAction()).isEqualTo(site + "/.tollgate/callback");
        assertThat(balance()).isEqualTo(DEPOSIT - budget);
        return handBack.hidden();
    }

    /** POSTs the hand-back form to the gateway as a browser that lost the state cookie does. */
    private HttpResponse<String> callbackWithoutState(Map<String, String> fields) throws Exception {
        return http.send(HttpRequest.newBuilder(site.resolve("/.tollgate/callback"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(PageHttp.encode(fields))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long balance() {
        JsonNode me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json();
        return Long.parseLong(me.path("balance").asText());
    }

    @Test
    void aRefusedWayBackReturnsTheBudgetAtTheBrokerAtOnce() throws Exception {
        Map<String, String> handBack = payAtTheBroker(1_000_000);

        HttpResponse<String> refused = callbackWithoutState(handBack);

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("no payment of daily-byte in progress",
                "Nothing was charged, and the budget you allowed was returned to your account at demo");
        assertThat(balance()).isEqualTo(DEPOSIT);
        JsonNode me = TestBrokers.get(broker, "/v1/accounts/me", buyer.apiKey()).json();
        assertThat(me.path("reserved").asText()).isEqualTo("0");
        assertThat(me.path("scrip").get(0).path("status").asText()).isEqualTo("returned");
        assertThat(broker.statements().totals().conserved()).isTrue();
    }

    @Test
    void aCancelTheBrokerCannotTakeAtOnceHappensWhenItIsBack() throws Exception {
        Map<String, String> handBack = payAtTheBroker(1_000_000);
        broker.close();

        HttpResponse<String> refused = callbackWithoutState(handBack);

        assertThat(refused.body()).contains("is being returned to your account at demo");
        broker = TestBrokers.builder(dir.resolve("broker")).port(brokerPort).demoMode(true).build().start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(40));
        while (balance() != DEPOSIT) {
            assertThat(Instant.now()).as("the gateway's retry returned the budget").isBefore(deadline);
            Thread.sleep(100);
        }
        assertThat(broker.statements().totals().conserved()).isTrue();
    }
}
