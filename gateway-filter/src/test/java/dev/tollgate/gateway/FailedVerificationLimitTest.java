package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.gateway.browser.BrowserFlow;
import dev.tollgate.gateway.payment.FailedVerifications;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.PayWordBuyer;
import dev.tollgate.protocol.PaymentHeaders;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of distinct bad tokens, each with a valid {@code kid} so that each would cost a signature check, through a
 * real Jetty and the real verifier: an address is refused with 429 once its failures are spent, before any further
 * signature work, while other addresses and paying clients go on as before. Counted in signature checks, not time.
 */
final class FailedVerificationLimitTest {

    static final String RULES = String.join("\n",
            "failed-payments:",
            "  burst: 5",
            "  per-minute: 6",
            "client-address-header: X-Forwarded-For",
            "rules:",
            "  - match: /articles/**",
            "    price: 0.05",
            "    schemes: [scrip, payword]",
            "");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    GatewayHarness gateway;
    private int garbageSigned;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(String rules) throws Exception {
        gateway = new GatewayHarness(dir).writeConfig(rules).start();
    }

    private long verifications() {
        return gateway.filter.parts.reader.verifications();
    }

    /** A scrip with a valid kid and a signature that does not verify: new each time, so never cached. */
    private String garbage() {
        String token = gateway.broker.scrip().jti("garbage-" + garbageSigned++).budget("100000").sign();
        int at = token.lastIndexOf('.') + 10;
        return token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    }

    private HttpTester.Response pay(String token, String address) throws Exception {
        return gateway.get("/articles/one", PaymentHeaders.PAYMENT_SIGNATURE, GatewayHarness.paymentHeader(token,
                100_000), "X-Forwarded-For", address);
    }

    private static String error(HttpTester.Response response) throws Exception {
        JsonNode body = JSON.readTree(response.getContentBytes());
        return body.get("error").asText();
    }

    /** Sends {@code count} garbage tokens from {@code address}; returns how many were answered 429. */
    private int flood(int count, String address) throws Exception {
        int limited = 0;
        for (int i = 0; i < count; i++) {
            HttpTester.Response response = pay(garbage(), address);
            if (response.getStatus() == 429) {
                limited++;
                assertThat(error(response)).isEqualTo("too_many_failures");
                assertThat(Long.parseLong(response.get("Retry-After"))).isBetween(1L, 10L);
                assertThat(response.get("Cache-Control")).isEqualTo("no-store");
            } else {
                assertThat(response.getStatus()).isEqualTo(402);
                assertThat(error(response)).isEqualTo("invalid_token");
            }
        }
        return limited;
    }

    @Test
    void aFloodOfGarbageTokensFromOneAddressCostsOnlyItsBurstOfSignatureChecks() throws Exception {
        start(RULES);

        int limited = flood(50, "198.51.100.7");

        assertThat(verifications()).isEqualTo(5);
        assertThat(limited).isEqualTo(45);
    }

    @Test
    void garbageTokensPostedToTheBrowserCallbackCountAgainstTheSameLimit() throws Exception {
        start(RULES);
        int limited = 0;
        for (int i = 0; i < 20; i++) {
            HttpTester.Response response = gateway.postForm(BrowserFlow.CALLBACK_PATH,
                    "token=" + garbage() + "&state=" + "s".repeat(22), "X-Forwarded-For", "198.51.100.7",
                    "Accept", "application/json");
            if (response.getStatus() == 429) {
                limited++;
                assertThat(error(response)).isEqualTo("too_many_failures");
                assertThat(response.get("Retry-After")).isNotNull();
            } else {
                assertThat(response.getStatus()).isEqualTo(400);
            }
        }

        assertThat(verifications()).as("only the burst was verified").isEqualTo(5);
        assertThat(limited).isEqualTo(15);
        assertThat(flood(3, "198.51.100.7")).as("and the paid paths share the spent bucket").isEqualTo(3);
    }

    @Test
    void anotherAddressAndPayingClientsAreUnaffected() throws Exception {
        start(RULES);
        String early = gateway.broker.scrip().jti("early").budget("1000000").sign();
        assertThat(pay(early, "198.51.100.7").getStatus()).isEqualTo(200);
        flood(20, "198.51.100.7");
        long afterFlood = verifications();

        assertThat(pay(early, "198.51.100.7").getStatus()).as("a cached credential never waits").isEqualTo(200);
        assertThat(verifications()).isEqualTo(afterFlood);
        assertThat(pay(garbage(), "198.51.100.8").getStatus()).as("another address is verified").isEqualTo(402);
        assertThat(verifications()).isEqualTo(afterFlood + 1);
        for (int i = 0; i < 10; i++) { // twice the burst: successful verifications never count
            String fresh = gateway.broker.scrip().jti("fresh-" + i).budget("1000000").sign();
            assertThat(pay(fresh, "198.51.100.9").getStatus()).isEqualTo(200);
        }
        assertThat(verifications()).isEqualTo(afterFlood + 11);
    }

    @Test
    void anAddressMayFailAgainAsItsBucketRefills() throws Exception {
        start(RULES);
        flood(10, "198.51.100.7");
        long spent = verifications();

        gateway.clock.advance(Duration.ofSeconds(10)); // 6 a minute: one failure forgiven
        int limited = flood(5, "198.51.100.7");

        assertThat(verifications()).isEqualTo(spent + 1);
        assertThat(limited).isEqualTo(4);
    }

    @Test
    void ipv6AddressesCountByTheirSlash64() throws Exception {
        start(RULES);
        for (int i = 1; i <= 10; i++) {
            pay(garbage(), "2001:db8:0:1::" + Integer.toHexString(i));
        }
        assertThat(verifications()).isEqualTo(5);

        assertThat(pay(garbage(), "[2001:db8:0:2::1]:443").getStatus()).isEqualTo(402);
        assertThat(verifications()).isEqualTo(6);
    }

    @Test
    void withoutAnAddressHeaderSettingForwardedAddressesAreIgnored() throws Exception {
        start(RULES.replace("client-address-header: X-Forwarded-For\n", ""));
        for (int i = 0; i < 20; i++) {
            pay(garbage(), "198.51.100." + i); // a client making up its address each time
        }

        assertThat(verifications()).isEqualTo(5);
    }

    @Test
    void theLastForwardedAddressIsTheOneThatCounts() throws Exception {
        start(RULES);
        for (int i = 0; i < 20; i++) {
            pay(garbage(), "10.0.0." + i + ", 198.51.100.7"); // what the client wrote, then what the proxy saw
        }

        assertThat(verifications()).isEqualTo(5);
    }

    @Test
    void garbagePayWordCommitmentsAreLimitedToo() throws Exception {
        start(RULES);
        int limited = 0;
        for (int i = 0; i < 20; i++) {
            String header = new PayWordBuyer(gateway.broker).commitmentSignedBy(PayWordBuyer.newKey())
                    .payWithCommitment(1);
            HttpTester.Response response = gateway.get("/articles/one", PaymentHeaders.PAYMENT_SIGNATURE, header,
                    "X-Forwarded-For", "198.51.100.7");
            limited += response.getStatus() == 429 ? 1 : 0;
        }

        assertThat(gateway.filter.parts.payWords.commitmentChecks.sum()).isEqualTo(5);
        assertThat(limited).isEqualTo(15);
    }

    @Test
    void atMostTheConfiguredNumberOfAddressesIsTracked() {
        GatewayConfig.ClientLimits limits = GatewayConfig.ClientLimits.DEFAULTS;
        FailedVerifications failures = new FailedVerifications(1_000, MutableClock.atNow());

        for (int i = 0; i < 5_000; i++) { // addresses a forwarding header or many hosts make up
            failures.failed("198.51." + (i / 256) + "." + (i % 256), limits);
        }

        assertThat(failures.tracked()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void addressesAreReadAsTheLimitCountsThem() {
        assertThat(FailedVerifications.key("198.51.100.7")).isEqualTo("198.51.100.7");
        assertThat(FailedVerifications.key("198.51.100.7:8080")).isEqualTo("198.51.100.7");
        assertThat(FailedVerifications.key("[2001:db8::1]:443")).isEqualTo("v6:20010db800000000::/64");
        assertThat(FailedVerifications.key("2001:db8:0:0:ffff::9")).isEqualTo("v6:20010db800000000::/64");
        assertThat(FailedVerifications.key("fe80::1%eth0")).isEqualTo("v6:fe80000000000000::/64");
        assertThat(FailedVerifications.key("::ffff:198.51.100.7")).isEqualTo("198.51.100.7");
        assertThat(FailedVerifications.key("x".repeat(500))).hasSize(FailedVerifications.MAX_ADDRESS_CHARS);
        assertThat(FailedVerifications.key("evil.example")).isEqualTo("evil.example");
        // Not literals: counted under their text, never handed to InetAddress (which would look them up by name).
        assertThat(FailedVerifications.key(".:")).isEqualTo(".:");
        assertThat(FailedVerifications.key(".a:b")).isEqualTo(".a:b");
    }
}
