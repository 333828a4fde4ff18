package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's keys as the filter sees them: fetched, refetched sparingly, cached through outages, then failed. */
final class BrokerKeysThroughFilterTest {

    @TempDir
    java.nio.file.Path dir;

    GatewayHarness gateway;

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private HttpTester.Response pay(String token) throws Exception {
        return gateway.paidGet("/articles/one", token, 50_000);
    }

    @Test
    void anUnknownKidCausesOneRefetchThenIsRefused() throws Exception {
        gateway = new GatewayHarness(dir).start();
        int before = gateway.jwks.requests();

        HttpTester.Response first = pay(gateway.broker.scrip().withUnknownKid().sign());
        HttpTester.Response second = pay(gateway.broker.scrip().withUnknownKid().sign());

        assertThat(first.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(first).error()).isEqualTo("unknown_key");
        assertThat(TollgateFilterTest.offerOf(second).error()).isEqualTo("unknown_key");
        assertThat(gateway.jwks.requests()).isEqualTo(before + 1);
    }

    @Test
    void aRotatedKeyIsPickedUpAndOldScripStillWorks() throws Exception {
        gateway = new GatewayHarness(dir).start();
        String old = gateway.broker.scrip().sign();
        assertThat(pay(old).getStatus()).isEqualTo(200);

        gateway.broker.rotate();
        String fresh = gateway.broker.scrip().sign();

        assertThat(pay(fresh).getStatus()).isEqualTo(200);
        assertThat(pay(old).getStatus()).isEqualTo(200);
    }

    @Test
    void cachedKeysKeepServingWhileTheBrokerIsDownUntilMaxStale() throws Exception {
        gateway = new GatewayHarness(dir).start();
        gateway.jwks.down(true);

        assertThat(pay(gateway.broker.scrip().sign()).getStatus()).isEqualTo(200);

        gateway.clock.advance(Duration.ofHours(25));
        HttpTester.Response stale = pay(gateway.broker.scrip().sign());
        assertThat(stale.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(stale).error()).isEqualTo("broker_unavailable");
    }

    @Test
    void withoutAnyKeyTheGatewayFailsClosed() throws Exception {
        gateway = new GatewayHarness(dir);
        gateway.jwks.down(true);
        gateway.start();

        HttpTester.Response response = pay(gateway.broker.scrip().sign());

        assertThat(response.getStatus()).isEqualTo(402);
        assertThat(TollgateFilterTest.offerOf(response).error()).isEqualTo("broker_unavailable");
        assertThat(gateway.body(response)).doesNotContain("content of");
    }

    @Test
    void theGatewayRecoversWhenTheBrokerComesBack() throws Exception {
        gateway = new GatewayHarness(dir);
        gateway.jwks.down(true);
        gateway.start();
        String token = gateway.broker.scrip().sign();
        assertThat(pay(token).getStatus()).isEqualTo(402);

        gateway.jwks.down(false);
        gateway.clock.advance(Duration.ofSeconds(31));

        assertThat(pay(token).getStatus()).isEqualTo(200);
    }
}
