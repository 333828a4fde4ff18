package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.ledger.ScripAccount;
import dev.tollgate.gateway.http.PaymentException;
import java.time.Clock;

/** The broker's keys and the scrip verifier built on them, for one config's broker settings. */
public final class BrokerVerification implements AutoCloseable {

    private final BrokerKeys keys;
    private final ScripVerifier verifier;

    private BrokerVerification(BrokerKeys keys, ScripVerifier verifier) {
        this.keys = keys;
        this.verifier = verifier;
    }

    /** Starts fetching the broker's keys; never fails for an unreachable broker (requests then fail closed). */
    public static BrokerVerification start(GatewayConfig config, Clock clock) {
        GatewayConfig.Broker broker = config.broker();
        BrokerKeysSettings settings = BrokerKeysSettings.of(broker.jwksUri())
                .withRefreshInterval(broker.keyRefresh())
                .withUnknownKidRefetchInterval(broker.unknownKidRefetch())
                .withMaxStale(broker.maxStale())
                .withClock(clock);
        if (broker.trustFile().isPresent()) {
            settings = settings.withSslContext(TrustFile.sslContext(broker.trustFile().get()));
        }
        BrokerKeys keys = new BrokerKeys(settings);
        keys.start();
        ScripVerifier verifier = new ScripVerifier(keys, broker.issuer(), config.sellerId(),
                config.currency().getCurrencyCode(), broker.clockSkew(), clock);
        return new BrokerVerification(keys, verifier);
    }

    public ScripAccount verify(String token) throws PaymentException {
        return verifier.verify(token);
    }

    public BrokerKeys keys() {
        return keys;
    }

    @Override
    public void close() {
        keys.close();
    }
}
