package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser callback's scrip counts against the posting address's failed verifications only when the callback's
 * state was not started in that browser (anyone can post those). A buyer who shares a public address (a NAT, an IPv6
 * /64, a proxy) with someone posting bad tokens, and comes back from the broker with good scrip and its own sealed
 * state, completes the purchase; each state completes one callback. Real Jetty, the real verifier, the cancel
 * endpoint stand-in.
 */
final class CallbackFailureLimitTest {

    private static final Pattern STATE_COOKIE = Pattern.compile(BrowserFlow.STATE_COOKIE + "=([^;]+);");
    private static final Pattern STATE_PARAM = Pattern.compile("&amp;state=([A-Za-z0-9_-]+)&amp;");
    private static final String SHARED = "198.51.100.7";

    @TempDir
    Path dir;

    private GatewayHarness gateway;
    private CancelEndpoint broker;
    private int garbageSigned;

    @BeforeEach
    void start() throws Exception {
        broker = new CancelEndpoint();
        gateway = new GatewayHarness(dir).extraSettings("", broker.setting()).writeConfig(String.join("\n",
                "failed-payments:",
                "  burst: 5",
                "  per-minute: 6",
                "client-address-header: X-Forwarded-For",
                GatewayHarness.RULES)).start();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        broker.close();
    }

    private String garbage() {
        String token = gateway.broker.scrip().jti("garbage-" + garbageSigned++).budget("100000").sign();
        int at = token.lastIndexOf('.') + 10;
        return token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    }

    /** A paywall view's state cookie and state. */
    private record Purchase(String cookie, String state) {
    }

    private Purchase openPaywall() throws Exception {
        return openPaywall("/articles/one");
    }

    private Purchase openPaywall(String path) throws Exception {
        HttpTester.Response page = gateway.get(path, "Accept", "text/html", "X-Forwarded-For", SHARED);
        assertThat(page.getStatus()).isEqualTo(402);
        Matcher cookie = STATE_COOKIE.matcher(String.join("\n", page.getValuesList("Set-Cookie")));
        Matcher state = STATE_PARAM.matcher(gateway.body(page));
        assertThat(cookie.find()).isTrue();
        assertThat(state.find()).isTrue();
        return new Purchase(cookie.group(1), state.group(1));
    }

    @Test
    void aBuyerComingBackFromTheBrokerWithGoodScripAndItsOwnStateIsNotRefusedForOthersFailuresAtItsAddress()
            throws Exception {
        Purchase purchase = openPaywall(); // the buyer then goes to the broker
        // Meanwhile someone else behind the same public address posts bad tokens (5: the burst).
        for (int i = 0; i < 5; i++) {
            gateway.postForm(BrowserFlow.CALLBACK_PATH, "token=" + garbage() + "&state=" + "s".repeat(22),
                    "X-Forwarded-For", SHARED);
        }
        // The broker sends the buyer back with the scrip it has just issued (reserved from the buyer's balance).
        String token = gateway.broker.scrip().sign();
        HttpTester.Response back = gateway.postForm(BrowserFlow.CALLBACK_PATH,
                "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&state=" + purchase.state(),
                "Cookie", BrowserFlow.STATE_COOKIE + "=" + purchase.cookie(), "X-Forwarded-For", SHARED,
                "Accept", "text/html");

        assertThat(back.getStatus()).as(gateway.body(back)).isEqualTo(200);
        assertThat(back.getValuesList("Set-Cookie")).anyMatch(c -> c.startsWith(TollgateFilter.SCRIP_COOKIE + "="));
    }

    @Test
    void aFloodOfCallbacksWithoutTheirStateIsRefused429WithAPageForBrowsers() throws Exception {
        HttpTester.Response last = null;
        for (int i = 0; i < 6; i++) {
            last = gateway.postForm(BrowserFlow.CALLBACK_PATH, "token=" + garbage() + "&state=" + "s".repeat(22),
                    "X-Forwarded-For", SHARED, "Accept", "text/html");
        }

        assertThat(last.getStatus()).isEqualTo(429);
        assertThat(last.get("Retry-After")).isNotNull();
        assertThat(last.get("Content-Type")).startsWith("text/html");
        assertThat(gateway.body(last)).contains("too_many_failures").contains("Nothing was paid here");
        assertThat(gateway.filter.reader.verifications()).as("only the burst was verified").isEqualTo(5);
    }

    /**
     * A callback's state is one-use: replayed (by a client that ignores the cookie's clearing), it is a state this
     * browser did not start, so each replay's token counts against the address, which is refused once its burst is
     * spent. Before, a matched state skipped the limit for its whole lifetime: each replay with a new garbage token
     * cost a signature check, never refused nor counted. (Found in the third review of issue 9.)
     */
    @Test
    void oneMatchedStateReplayedWithGarbageTokensCostsNoMoreSignatureChecksThanTheAddressesFailureBurst()
            throws Exception {
        Purchase purchase = openPaywall();
        long before = gateway.filter.reader.verifications();

        HttpTester.Response last = null;
        for (int i = 0; i < 50; i++) { // the same cookie and state each time: the client ignores the cookie's clearing
            last = gateway.postForm(BrowserFlow.CALLBACK_PATH, "token=" + garbage() + "&state=" + purchase.state(),
                    "Cookie", BrowserFlow.STATE_COOKIE + "=" + purchase.cookie(), "X-Forwarded-For", SHARED);
        }

        assertThat(gateway.filter.reader.verifications() - before)
                .as("signature checks forced by one paywall view (burst is 5)").isLessThanOrEqualTo(5);
        assertThat(last.getStatus()).as(gateway.body(last)).isEqualTo(429);
    }

    /**
     * A paywall view is free (an anonymous GET), and each gives a fresh state whose callback is never refused for
     * others' failures at its address. So failed callbacks on fresh states count in a bucket of their own, which does
     * refuse: one address alternating paywall views and garbage callbacks is stopped after its burst, instead of
     * forcing a signature check per two small requests for ever. (Found in the fourth review of issue 9.)
     */
    @Test
    void oneAddressAlternatingPaywallViewsAndGarbageCallbacksIsRefusedAfterItsBurst() throws Exception {
        long before = gateway.filter.reader.verifications();
        int refused = 0;
        for (int i = 0; i < 100; i++) {
            Purchase purchase = openPaywall("/articles/" + i);
            HttpTester.Response callback = gateway.postForm(BrowserFlow.CALLBACK_PATH, "token=" + garbage()
                    + "&state=" + purchase.state(), "Cookie", BrowserFlow.STATE_COOKIE + "=" + purchase.cookie(),
                    "X-Forwarded-For", SHARED);
            refused += callback.getStatus() == 429 ? 1 : 0;
        }

        assertThat(gateway.filter.reader.verifications() - before).as("signature checks (burst 5)").isEqualTo(5);
        assertThat(refused).isEqualTo(95);
    }

    /**
     * The callback reads its token from the credential cache when it was read before, and a callback refused for its
     * state counts against its address even when its token is good scrip. So one valid token posted again and again
     * without its state costs one signature check, and the address is refused after its burst. (Found in the fourth
     * review of issue 9.)
     */
    @Test
    void oneValidTokenPostedToTheCallbackWithoutItsStateCostsOneSignatureCheckAndIsRefusedAfterTheBurst()
            throws Exception {
        String token = gateway.broker.scrip().budget("500000").sign();
        assertThat(gateway.paidGet("/articles/one", token, 50_000).getStatus()).as("bought and used here")
                .isEqualTo(200);
        long before = gateway.filter.reader.verifications();

        HttpTester.Response last = null;
        for (int i = 0; i < 50; i++) { // no state cookie at all: nothing the gateway issued
            last = gateway.postForm(BrowserFlow.CALLBACK_PATH, "token=" + URLEncoder.encode(token,
                    StandardCharsets.UTF_8) + "&state=" + "s".repeat(22), "X-Forwarded-For", SHARED);
        }

        assertThat(last.getStatus()).isEqualTo(429);
        assertThat(gateway.filter.reader.verifications() - before).as("read once, then from the cache").isEqualTo(1);
    }
}
