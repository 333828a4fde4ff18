package dev.tollgate.broker;

import dev.tollgate.gateway.keys.BrokerKeys;
import dev.tollgate.gateway.keys.BrokerKeysSettings;
import dev.tollgate.gateway.keys.ScripVerifier;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.PaymentException;
import java.time.Clock;
import java.time.Duration;

/** The gateway's own JWKS client and scrip verifier, pointed at a running broker, as a seller would run them. */
final class GatewayVerifier implements AutoCloseable {

    private final BrokerKeys keys;
    private final ScripVerifier verifier;

    GatewayVerifier(Broker broker, String seller) {
        this(broker, seller, BrokerKeysSettings.DEFAULT_REFRESH_INTERVAL);
    }

    /** A verifier whose keys refresh in the background every {@code refreshInterval}. */
    GatewayVerifier(Broker broker, String seller, Duration refreshInterval) {
        keys = new BrokerKeys(BrokerKeysSettings.of(broker.jwksUri()).withUnknownKidRefetchInterval(
                Duration.ofMillis(1)).withRefreshInterval(refreshInterval));
        keys.start();
        verifier = new ScripVerifier(keys, TestBrokers.ISSUER, seller, broker.currency(), Duration.ofSeconds(5),
                Clock.systemUTC());
    }

    ScripAccount verify(String token) throws PaymentException {
        return verifier.verify(token);
    }

    @Override
    public void close() {
        keys.close();
    }
}
