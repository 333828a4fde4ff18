package dev.tollgate.gateway.keys;

import dev.tollgate.gateway.GatewayConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One broker the gateway trusts, as its verifiers see it: its keys (fetched, cached, refreshed and failed closed on
 * their own, {@link BrokerKeys}) and the verifiers of its scrip and PayWord certificates, which look keys up there
 * only and accept only its issuer. Immutable and thread-safe; {@link BrokerVerification} owns the keys.
 */
final class TrustedBroker {

    final String issuer;
    final BrokerKeys keys;
    final ScripVerifier scrip;
    final CertificateVerifier certificates;
    /** Tolerance on the times of this broker's tokens (and of commitments it certified). */
    final Duration clockSkew;
    /** How long a verified token of this broker is reused before it is verified again: its key refresh. */
    final long reverifyAfterMillis;

    TrustedBroker(BrokerKeys keys, String issuer, String seller, String currency, Duration clockSkew, Clock clock,
                  Duration reverifyAfter) {
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null.");
        this.keys = Objects.requireNonNull(keys, "keys cannot be null.");
        this.scrip = new ScripVerifier(keys, issuer, seller, currency, clockSkew, clock);
        this.certificates = new CertificateVerifier(keys, issuer, currency, clockSkew, clock);
        this.clockSkew = clockSkew;
        this.reverifyAfterMillis = reverifyAfter.toMillis();
    }

    /** Whether {@code a} and {@code b} are fetched and checked alike: a reload keeps the keys if so. */
    static boolean sameKeys(GatewayConfig.Broker a, GatewayConfig.Broker b) {
        return a.issuer().equals(b.issuer()) && a.jwksUri().equals(b.jwksUri())
                && Objects.equals(a.keyRefresh(), b.keyRefresh()) && a.unknownKidRefetch().equals(b.unknownKidRefetch())
                && a.maxStale().equals(b.maxStale()) && a.clockSkew().equals(b.clockSkew())
                && a.trustFile().equals(b.trustFile());
    }

    /** The keys of {@code broker} as its config says to fetch them; nothing fetched yet. */
    static TrustedBroker of(GatewayConfig.Broker broker, String seller, String currency, Clock clock) {
        BrokerKeysSettings settings = BrokerKeysSettings.of(broker.jwksUri())
                .withRefreshInterval(broker.keyRefresh())
                .withUnknownKidRefetchInterval(broker.unknownKidRefetch())
                .withMaxStale(broker.maxStale())
                .withClock(clock);
        if (broker.trustFile().isPresent()) {
            settings = settings.withSslContext(TrustFile.sslContext(broker.trustFile().get()));
        }
        return new TrustedBroker(new BrokerKeys(settings), broker.issuer(), seller, currency, broker.clockSkew(), clock,
                broker.keyRefresh());
    }
}
