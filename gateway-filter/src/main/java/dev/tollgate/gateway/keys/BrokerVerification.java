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
 * {@code wrong_issuer} before any key is looked up, so it cannot make any broker's keys be fetched.
 *
 * <p>A reload ({@link #reloaded}) starts the keys of brokers added, stops those of brokers removed (their tokens are
 * {@code wrong_issuer} from then on) and fetches anew the keys of a broker whose key settings changed; the set is
 * swapped whole, copy-on-write. Thread-safe.
 */
public final class BrokerVerification implements AutoCloseable {

    /**
     * The trusted brokers at one time.
     *
     * @param brokers in the config's order; the first also verifies tokens whose issuer cannot be read
     * @param settings what each broker's keys were started with, by issuer
     */
    private record Trusted(List<TrustedBroker> brokers, Map<String, TrustedBroker> byIssuer,
                           Map<String, GatewayConfig.Broker> settings) {

        static Trusted of(List<TrustedBroker> brokers, List<GatewayConfig.Broker> settings) {
            Map<String, TrustedBroker> byIssuer = new HashMap<>();
            brokers.forEach(broker -> byIssuer.put(broker.issuer, broker));
            Map<String, GatewayConfig.Broker> started = new HashMap<>();
            settings.forEach(broker -> started.put(broker.issuer(), broker));
            return new Trusted(List.copyOf(brokers), Map.copyOf(byIssuer), Map.copyOf(started));
        }
    }

    private volatile Trusted trusted;

    private BrokerVerification(Trusted trusted) {
        this.trusted = trusted;
    }

    /**
     * Starts fetching every broker's keys, all at once, and waits at most the fetch timeout for them; never fails for
     * an unreachable broker (its scrip then fails closed until its keys arrive, and no other broker's does).
     */
    public static BrokerVerification start(GatewayConfig config, Clock clock) {
        return new BrokerVerification(Trusted.of(started(config, config.brokers(), clock), config.brokers()));
    }

    /** The keys of {@code brokers}, fetched all at once (at most the fetch timeout); closed again on failure. */
    private static List<TrustedBroker> started(GatewayConfig config, List<GatewayConfig.Broker> brokers,
                                               Clock clock) {
        List<TrustedBroker> trusted = new ArrayList<>();
        try {
            for (GatewayConfig.Broker broker : brokers) {
                trusted.add(TrustedBroker.of(broker, config.sellerId(), config.currency().getCurrencyCode(), clock));
            }
        } catch (RuntimeException e) {
            trusted.forEach(broker -> broker.keys.close());
            throw e;
        }
        List<Future<?>> first = new ArrayList<>();
        trusted.forEach(broker -> first.add(broker.keys.begin()));
        for (int i = 0; i < trusted.size(); i++) {
            trusted.get(i).keys.awaitFirst(first.get(i));
        }
        return trusted;
    }

    /** A verification over keys the caller owns and has started: one broker, as the tests and benchmarks have it. */
    static BrokerVerification of(TrustedBroker broker) {
        return new BrokerVerification(new Trusted(List.of(broker), Map.of(broker.issuer, broker), Map.of()));
    }

    /**
     * Takes the brokers of a config applied live: a broker with the same issuer and key settings keeps its keys
     * (cached, no fetch); one added, or whose key settings changed, has its keys fetched first (all at once, at most
     * the fetch timeout, never failing for an unreachable broker); then the new set replaces the old, and the keys of
     * brokers removed or replaced are stopped. Called by one thread at a time (the config watcher's).
     */
    public void reloaded(GatewayConfig next, Clock clock) {
        Trusted running = trusted;
        List<GatewayConfig.Broker> fresh = new ArrayList<>();
        for (GatewayConfig.Broker broker : next.brokers()) {
            GatewayConfig.Broker was = running.settings.get(broker.issuer());
            if (was == null || !TrustedBroker.sameKeys(was, broker)) {
                fresh.add(broker);
            }
        }
        List<TrustedBroker> started = started(next, fresh, clock);
        List<TrustedBroker> brokers = new ArrayList<>();
        for (GatewayConfig.Broker broker : next.brokers()) {
            int i = fresh.indexOf(broker);
            brokers.add(i >= 0 ? started.get(i) : running.byIssuer.get(broker.issuer()));
        }
        trusted = Trusted.of(brokers, next.brokers());
        for (TrustedBroker old : running.brokers) {
            if (!brokers.contains(old)) {
                old.keys.close(); // lookups keep answering from its cache for a request still verifying with it
            }
        }
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
        Trusted now = trusted;
        if (issuer == null) {
            return now.brokers.get(0);
        }
        TrustedBroker broker = now.byIssuer.get(issuer);
        if (broker == null) {
            throw new PaymentException(ErrorCode.WRONG_ISSUER, "the token was issued by a broker this seller does "
                    + "not accept");
        }
        return broker;
    }

    /** How long a verified scrip of {@code issuer} is reused before it is verified again: its broker's key refresh. */
    public long reverifyAfterMillis(String issuer) {
        TrustedBroker broker = trusted.byIssuer.get(issuer);
        return broker == null ? 0 : broker.reverifyAfterMillis;
    }

    /** The keys of the broker with this issuer, or {@code null}: for tests and operations. */
    public BrokerKeys keys(String issuer) {
        TrustedBroker broker = trusted.byIssuer.get(issuer);
        return broker == null ? null : broker.keys;
    }

    /** Verifies PayWord commitments whose certificates any of these brokers signed, each with its own keys. */
    public PayWordVerifier payWords(String seller, Clock clock, long cacheSize) {
        return new PayWordVerifier(this, seller, clock, cacheSize);
    }

    /** Stops every broker's key refresh. */
    @Override
    public void close() {
        trusted.brokers.forEach(broker -> broker.keys.close());
    }
}
