package dev.tollgate.gateway.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.keys.TrustFile;
import dev.tollgate.gateway.ledger.ChargeResult;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.ledger.SqliteLedger;
import dev.tollgate.gateway.testing.SelfSignedCertificate;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Redemptions and online charges go to an HTTPS broker trusted through {@code broker.trust-file}, and only then. */
final class BrokerTrustTest {

    @TempDir
    Path dir;

    private final SelfSignedCertificate certificate = SelfSignedCertificate.generate();
    private SqliteLedger ledger;
    private SellerKey key;
    private FakeRedemptionBroker broker;
    private Settler settler;

    @BeforeEach
    void start() throws Exception {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), SqliteLedger.Durability.PROCESS_CRASH_SAFE);
        key = SellerKey.loadOrCreate(dir);
        broker = new FakeRedemptionBroker(certificate);
        broker.register(key.publicJwk());
    }

    @AfterEach
    void stop() throws Exception {
        if (settler != null) {
            settler.close(Duration.ZERO);
        }
        ledger.close();
        broker.close();
    }

    private Optional<SSLContext> trusting(SelfSignedCertificate trusted) throws Exception {
        return Optional.of(TrustFile.sslContext(trusted.writePem(dir.resolve("trust.pem"))));
    }

    private Settler settler(Optional<SSLContext> trust) {
        settler = new Settler(new Settler.Settings(broker.redemptionUri(), FakeRedemptionBroker.SELLER,
                FakeRedemptionBroker.ISSUER, Duration.ofHours(1), 500, Duration.ofMillis(10), Duration.ofMillis(50),
                Duration.ofSeconds(5)), ledger, key, Clock.systemUTC(), trust);
        return settler;
    }

    private void charge(String jti, long micros) throws Exception {
        assertThat(ledger.charge(new ScripAccount(FakeRedemptionBroker.ISSUER, jti, "buyer", FakeRedemptionBroker.SELLER,
                1_000_000, "USD", Instant.now().plusSeconds(3600)), micros, "/a")).isInstanceOf(ChargeResult.Charged.class);
    }

    @Test
    void redemptionsReachABrokerTrustedByTheTrustFile() throws Exception {
        assertThat(broker.redemptionUri().getScheme()).isEqualTo("https");
        charge("s1", 40_000);

        assertThat(settler(trusting(certificate)).settleOnce()).isEqualTo(Settler.Outcome.SENT);

        assertThat(broker.redeemed("s1")).isEqualTo(40_000);
    }

    @Test
    void withoutTheTrustFileOrWithAnotherCertificateRedemptionsFailAndStayUnsettled() throws Exception {
        charge("s1", 40_000);

        assertThat(settler(Optional.empty()).settleOnce()).isEqualTo(Settler.Outcome.FAILED);
        settler.close(Duration.ZERO);
        assertThat(settler(trusting(SelfSignedCertificate.generate())).settleOnce()).isEqualTo(Settler.Outcome.FAILED);

        assertThat(broker.requests()).isZero();
        assertThat(ledger.unsettled(10)).singleElement().satisfies(t -> assertThat(t.unsettledMicros()).isEqualTo(40_000));
    }

    @Test
    void onlineChargesReachABrokerTrustedByTheTrustFileOnly() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, certificate.sslContextFactory());
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                requests.incrementAndGet();
                Content.Sink.write(response, true, "{\"status\":\"charged\",\"confirmation\":\"c-1\"}", callback);
                return true;
            }
        });
        server.start();
        try {
            URI uri = URI.create("https://127.0.0.1:" + connector.getLocalPort() + "/v1/charges");

            OnlineCharger.Outcome trusted = settler(trusting(certificate)).onlineCharger()
                    .charge(uri, Duration.ofSeconds(5), "r-1", "s1", 10_000);
            settler.close(Duration.ZERO);
            OnlineCharger.Outcome untrusted = settler(Optional.empty()).onlineCharger()
                    .charge(uri, Duration.ofSeconds(5), "r-2", "s1", 10_000);

            assertThat(trusted).isEqualTo(new OnlineCharger.Charged("c-1"));
            assertThat(untrusted).isInstanceOf(OnlineCharger.Unavailable.class);
            assertThat(requests.get()).isEqualTo(1);
        } finally {
            server.stop();
        }
    }
}
