package dev.tollgate.gateway.settlement;

import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.ISSUER;
import static dev.tollgate.gateway.settlement.FakeRedemptionBroker.SELLER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.keys.ClientThreads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answer to an online charge is read up to {@link OnlineCharger#MAX_ANSWER_BYTES}: a real HTTP server answering
 * with an oversized or endless body gets no confirmation out of the gateway (the charge is then refunded and the
 * request refused), as an unreachable broker does, and the body is never held in memory.
 */
final class OnlineChargerAnswerTest {

    @TempDir
    Path dir;

    @Test
    void anOversizedOrEndlessAnswerIsNoConfirmation() throws Exception {
        try (ChargeServer server = new ChargeServer(); ClientThreads threads = ClientThreads.start("test-http")) {
            OnlineCharger charger = new OnlineCharger(SellerKey.loadOrCreate(dir), SELLER, ISSUER, Clock.systemUTC(),
                    Optional.empty(), threads, Optional.empty());

            server.padding = OnlineCharger.MAX_ANSWER_BYTES;
            OnlineCharger.Outcome padded = charger.charge(server.uri(), Duration.ofSeconds(20), "r-1", "s-1", 50_000);
            server.endless = true;
            OnlineCharger.Outcome endless = charger.charge(server.uri(), Duration.ofSeconds(20), "r-2", "s-1", 50_000);
            server.endless = false;
            server.padding = 100;
            OnlineCharger.Outcome small = charger.charge(server.uri(), Duration.ofSeconds(20), "r-3", "s-1", 50_000);

            assertThat(padded).isInstanceOfSatisfying(OnlineCharger.Unavailable.class, unavailable ->
                    assertThat(unavailable.why()).contains("larger than " + OnlineCharger.MAX_ANSWER_BYTES));
            assertThat(endless).isInstanceOfSatisfying(OnlineCharger.Unavailable.class, unavailable ->
                    assertThat(unavailable.why()).contains("larger than").doesNotContain("no answer within"));
            assertThat(small).isEqualTo(new OnlineCharger.Charged("confirmation"));
        }
    }

    /** Answers every charge {@code 200 charged}, padded with {@code padding} characters, or without end. */
    private static final class ChargeServer extends Handler.Abstract implements AutoCloseable {
        private final Server server = new Server();
        private final ServerConnector connector = new ServerConnector(server);
        volatile int padding;
        volatile boolean endless;

        ChargeServer() throws Exception {
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
            server.setHandler(this);
            server.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1/charges");
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            Content.Source.consumeAll(request);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            if (endless) {
                FakeRedemptionBroker.endlessBody(response, callback);
                return true;
            }
            Content.Sink.write(response, true, "{\"status\":\"charged\",\"confirmation\":\"confirmation\",\"pad\":\""
                    + "x".repeat(padding) + "\"}", callback);
            return true;
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }
}
