package dev.tollgate.gateway.config;

import dev.tollgate.gateway.keys.LoopbackHosts;
import dev.tollgate.protocol.Money;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Currency;
import java.util.Locale;
import java.util.function.Function;

/**
 * Converters for the kinds of value several config sections share: bounded durations, sizes and numbers, prices,
 * the currency and URLs. Each throws an {@link IllegalArgumentException} whose message {@link ConfigProblems} puts
 * after the setting's position and name, so the messages quote what the admin wrote. Pure functions.
 */
final class SettingValues {

    private SettingValues() {
    }

    /** A duration like {@code 30s}, from {@code low} to {@code high}. */
    static Function<String, Duration> between(String low, String high) {
        Duration min = Durations.parse(low);
        Duration max = Durations.parse(high);
        return text -> {
            Duration duration = Durations.parse(text);
            if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
                throw new IllegalArgumentException("'" + text + "' must be between " + low + " and " + high);
            }
            return duration;
        };
    }

    /** A size like {@code 64MiB}, from {@code low} to {@code high} bytes. */
    static Function<String, Long> bytesBetween(long low, long high) {
        return text -> {
            long bytes = ByteSizes.parse(text);
            if (bytes < low || bytes > high) {
                throw new IllegalArgumentException("'" + text + "' must be between " + ByteSizes.format(low) + " and "
                        + ByteSizes.format(high));
            }
            return bytes;
        };
    }

    /** A whole number from {@code low} to {@code high}; {@code _} may group its digits ({@code 10_000}). */
    static int wholeNumber(String text, int low, int high) {
        int value;
        try {
            value = Integer.parseInt(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (value < low || value > high) {
            throw new IllegalArgumentException("'" + text + "' must be between " + low + " and " + high);
        }
        return value;
    }

    /** A price in the gateway's currency, above 0; {@code whenZero} says what to write instead of 0. */
    static Money positivePrice(String text, Currency currency, String whenZero) {
        Money money = Money.parse(text, currency);
        if (!money.currency().equals(currency)) {
            throw new IllegalArgumentException("'" + text + "' is in " + money.currency().getCurrencyCode()
                    + " but this gateway charges in " + currency.getCurrencyCode());
        }
        if (money.isZero()) {
            throw new IllegalArgumentException(whenZero);
        }
        return money;
    }

    static Currency currency(String code) {
        try {
            return Currency.getInstance(code.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + code + "' is not an ISO 4217 currency code");
        }
    }

    /**
     * Brokers are reached over HTTPS; plain HTTP only on loopback, for tests and the local demo.
     *
     * @param mustBeFetchable the gateway itself fetches the URL, so it must not carry credentials
     */
    /**
     * A URL as an error message may show it: without the user and password it carries (the message reaches the
     * container's log, which more people read than the config).
     */
    static String shown(String value) {
        return value.replaceAll("//[^/?#@]*@", "//***@");
    }

    static URI url(String value, boolean mustBeFetchable) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not an http(s) URL with a host");
        }
        if (scheme.equals("http") && !LoopbackHosts.isLoopbackLiteral(uri.getHost())) {
            throw new IllegalArgumentException("'" + shown(value)
                    + "' must use https (plain http is allowed on loopback only)");
        }
        if (mustBeFetchable && uri.getUserInfo() != null) {
            throw new IllegalArgumentException("'" + shown(value) + "' must not carry credentials");
        }
        return uri;
    }

    /**
     * An origin is scheme, host and optional port: the broker returns buyers to {@code <origin>/.tollgate/callback}.
     */
    static URI origin(String value) {
        URI uri = url(value, true);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!(path.isEmpty() || path.equals("/")) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'" + shown(value) + "' is not an origin: write only scheme, host and "
                    + "port, like https://shop.example or https://localhost:8443");
        }
        return URI.create(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority());
    }
}
