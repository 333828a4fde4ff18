package dev.tollgate.broker;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Currency;
import java.util.Locale;

/**
 * A broker's settings as {@link Broker.Builder#build()} validated them: the constructor refuses the first bad one,
 * naming it, so that nothing is opened on settings that cannot work.
 *
 * @param issuer the scrip's {@code iss}, or null for a broker that only administers
 * @param demoMode whether this is a demo broker, or null if the builder did not say (administration)
 * @param currency an ISO 4217 code, upper case
 * @param keystore the TLS keystore, or null for plain HTTP (loopback only)
 * @param keystorePassword its password (a copy, cleared when the broker closes), or null
 * @param name what buyers see the broker called on its login and consent pages
 */
record BrokerSettings(int port, String host, Path dataDir, String issuer, Boolean demoMode, String currency,
                      Path keystore, char[] keystorePassword, Clock clock, Duration stopTimeout,
                      Duration settlementGrace, Duration sweepInterval, Duration busyTimeout,
                      int idempotencyKeysPerAccount, String name) {

    BrokerSettings {
        requireArgument(dataDir != null, "dataDir must be set");
        String code = currency.toUpperCase(Locale.ROOT);
        try {
            Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code, got '" + currency + "'");
        }
        currency = code;
        if (issuer != null) {
            validateIssuer(issuer);
        }
        if (keystore == null) {
            requireArgument(LoopbackHosts.resolvesToLoopback(host), "plain HTTP is allowed only on a loopback"
                    + " address; host " + host + " needs a TLS keystore");
        } else {
            requireArgument(Files.isReadable(keystore), "keystore " + keystore + " is not a readable file");
        }
        keystorePassword = keystorePassword == null ? null : keystorePassword.clone();
        requireArgument(name != null && !name.isBlank() && name.length() <= 100
                && name.chars().noneMatch(Character::isISOControl), "name must be 1 to 100 characters on one line");
    }

    /** Whether the HTTP API serves the demo endpoints: only with {@code demoMode(true)}. */
    boolean demo() {
        return Boolean.TRUE.equals(demoMode);
    }

    static void requireArgument(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void validateIssuer(String issuer) {
        URI uri;
        try {
            uri = new URI(issuer);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("issuer must be an absolute URL, got '" + issuer + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        requireArgument((scheme.equals("https") || scheme.equals("http")) && uri.getHost() != null
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null,
                "issuer must be an http(s) URL without user, query or fragment, got '" + issuer + "'");
    }
}
