package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.http.ErrorCode;
import dev.tollgate.gateway.http.PaymentException;
import dev.tollgate.gateway.ledger.ScripAccount;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * Every configured broker's keys and the verifiers built on them, kept apart: each broker's keys are fetched,
 * refreshed and failed closed on their own ({@link BrokerKeys}), and a token is verified only with the keys of the
 * broker whose issuer it claims. A key of one broker never verifies a token claiming another (its {@code kid} is looked
 * up in that other broker's keys alone), and a token claiming an issuer no configured broker has is refused
 * {@code wrong_issuer} before any key is looked up, so it cannot make any broker's keys be fetched. Thread-safe.
 */
public final class BrokerVerification implements AutoCloseable {

    /** The brokers in the config's order; the first also verifies tokens whose issuer cannot be read. */
    private final List<TrustedBroker> brokers;
    private final Map<String, TrustedBroker> byIssuer = new HashMap<>();

    private BrokerVerification(List<TrustedBroker> brokers) {
        this.brokers = List.copyOf(brokers);
        for (TrustedBroker broker : brokers) {
            byIssuer.put(broker.issuer, broker);
        }
    }

    /**
     * Starts fetching every broker's keys, all at once, and waits at most the fetch timeout for them; never fails for
     * an unreachable broker (its scrip then fails closed until its keys arrive, and no other broker's does).
     */
    public static BrokerVerification start(GatewayConfig config, Clock clock) {
        List<TrustedBroker> brokers = new ArrayList<>();
        try {
            for (GatewayConfig.Broker broker : config.brokers()) {
                brokers.add(TrustedBroker.of(broker, config.sellerId(), config.currency().getCurrencyCode(), clock));
            }
        } catch (RuntimeException e) {
            brokers.forEach(broker -> broker.keys.close());
            throw e;
        }
        List<Future<?>> first = new ArrayList<>();
        brokers.forEach(broker -> first.add(broker.keys.begin()));
        for (int i = 0; i < brokers.size(); i++) {
            brokers.get(i).keys.awaitFirst(first.get(i));
        }
        return new BrokerVerification(brokers);
    }

    /** A verification over keys the caller owns and has started: one broker, as the tests and benchmarks have it. */
    static BrokerVerification of(TrustedBroker broker) {
        return new BrokerVerification(List.of(broker));
    }

    /**
     * Verifies a scrip with the keys of the broker whose issuer it claims.
     *
     * @throws PaymentException {@code wrong_issuer} if no configured broker has that issuer, else what that broker's
     *     {@link ScripVerifier} finds
     */
    public ScripAccount verify(String token) throws PaymentException {
        return forToken(token).scrip.verify(token);
    }

    /**
     * The broker whose keys verify {@code jws}: the one whose issuer its payload claims. A token whose issuer cannot
     * be read goes to the first broker, whose verifier refuses it unless it is that broker's (then it has the issuer).
     */
    TrustedBroker forToken(String jws) throws PaymentException {
        String issuer = jws == null ? null : TokenIssuer.of(jws);
        if (issuer == null) {
            return brokers.get(0);
        }
        TrustedBroker broker = byIssuer.get(issuer);
        if (broker == null) {
            throw new PaymentException(ErrorCode.WRONG_ISSUER, "the token was issued by a broker this seller does "
                    + "not accept");
        }
        return broker;
    }

    /** How long a verified scrip of {@code issuer} is reused before it is verified again: its broker's key refresh. */
    public long reverifyAfterMillis(String issuer) {
        TrustedBroker broker = byIssuer.get(issuer);
        return broker == null ? 0 : broker.reverifyAfterMillis;
    }

    /** The keys of the broker with this issuer, or {@code null}: for tests and operations. */
    public BrokerKeys keys(String issuer) {
        TrustedBroker broker = byIssuer.get(issuer);
        return broker == null ? null : broker.keys;
    }

    /** Verifies PayWord commitments whose certificates any of these brokers signed, each with its own keys. */
    public PayWordVerifier payWords(String seller, Clock clock, long cacheSize) {
        return new PayWordVerifier(this, seller, clock, cacheSize);
    }

    /** Stops every broker's key refresh. */
    @Override
    public void close() {
        brokers.forEach(broker -> broker.keys.close());
    }
}
