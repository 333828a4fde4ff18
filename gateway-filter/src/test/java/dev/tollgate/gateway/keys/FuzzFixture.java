package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.testing.JwksServer;
import dev.tollgate.gateway.testing.MutableClock;
import dev.tollgate.gateway.testing.TestBroker;
import java.time.Duration;

/**
 * A signing test broker, its JWKS served over HTTP and the gateway's {@link BrokerKeys} for it, with the keys
 * fetched: what the fuzz tests of the verifiers share.
 */
final class FuzzFixture implements AutoCloseable {

    static final Duration SKEW = Duration.ofSeconds(2);

    final MutableClock clock = MutableClock.atNow();
    final TestBroker broker = new TestBroker(clock);
    final JwksServer server = JwksServer.start(broker::jwksJson);
    final BrokerKeys keys = new BrokerKeys(BrokerKeysSettings.of(server.jwksUri()).withClock(clock)
            .withFetchTimeout(Duration.ofSeconds(2)));

    FuzzFixture() {
        keys.start();
        // Under load the first fetch can outlast the start's wait and finish in the background: poll for it.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                keys.key(broker.currentKid());
                return;
            } catch (PaymentException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker's keys were not fetched within 30 s", e);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // polling interval, not a wait for the keys
            }
        }
    }

    @Override
    public void close() {
        keys.close();
        server.close();
    }
}
