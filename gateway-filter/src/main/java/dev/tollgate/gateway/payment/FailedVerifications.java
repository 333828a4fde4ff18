package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.ErrorCode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.gateway.GatewayConfig;
import dev.tollgate.gateway.keys.ExpireAt;
import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Enumeration;
import java.util.concurrent.TimeUnit;

/**
 * A bounded rate limit on payments that fail verification, per client address ({@code failed-payments} in
 * {@code docs/CONFIG.md}). Each distinct bad token costs a full signature check, so an address whose failures exceed
 * its budget is refused with {@code 429} before any more signature work is done for it. Only failures count: a
 * scrip credential already verified is served from the cache without asking here (a PayWord payment by chain id is
 * asked every time, as each new word costs hashing), and a verification that succeeds costs the address nothing.
 *
 * <p>A token bucket per address, kept as the generic cell rate algorithm's one number (the time the bucket is full
 * again) in a Caffeine cache of at most {@code failed-payments.clients} addresses, each forgotten once its bucket is
 * full. Its time is the filter's clock. IPv6 addresses count by their /64 prefix, which one subscriber usually holds
 * whole. Concurrent verifications from one address are checked before any of them fails, so an address can exceed
 * its burst by the number of its requests in flight. Thread-safe.
 */
public final class FailedVerifications {

    /** The longest address text kept for an address that does not parse (one a forwarding header made up). */
    public static final int MAX_ADDRESS_CHARS = 64;

    private final Clock clock;
    /** Per address: when, in epoch milliseconds of the clock, its bucket is full again. */
    private final Cache<String, Long> fullAt;

    public FailedVerifications(int clients, Clock clock) {
        this.clock = clock;
        this.fullAt = Caffeine.newBuilder()
                .maximumSize(clients)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .expireAfter(ExpireAt.<String, Long>millis(clock, Long::longValue))
                .build();
    }

    /** Refused: the address failed too often. {@link #retryAfterSeconds} is when it may try again. */
    public static final class TooManyFailures extends Exception {
        private static final long serialVersionUID = 1L;
        private final long retryAfterSeconds;

        TooManyFailures(long retryAfterSeconds) {
            super("too many payments from your address failed verification; try again in " + retryAfterSeconds
                    + " s", null, false, false);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }

        public ErrorCode code() {
            return ErrorCode.TOO_MANY_FAILURES;
        }
    }

    /**
     * The address a request's failures count against: the last value of {@code limits.addressHeader()} when the
     * config names one and the request carries it, else the connection's remote address.
     */
    public static String clientOf(HttpServletRequest request, GatewayConfig.ClientLimits limits) {
        String address = null;
        if (limits.addressHeader().isPresent()) {
            Enumeration<String> values = request.getHeaders(limits.addressHeader().get());
            while (values != null && values.hasMoreElements()) {
                address = values.nextElement();
            }
            if (address != null) {
                int comma = address.lastIndexOf(',');
                address = comma < 0 ? address : address.substring(comma + 1);
            }
        }
        if (address == null || address.isBlank()) {
            address = request.getRemoteAddr();
        }
        return key(address == null ? "" : address.trim());
    }

    /** An address as the limit counts it: IPv4 as written, IPv6 by its /64, anything else cut short. */
    public static String key(String address) {
        String host = address;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host.substring(1) : host.substring(1, end);
        } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf('.') > 0) {
            int colon = host.indexOf(':');
            host = colon < 0 ? host : host.substring(0, colon); // IPv4 with a port
        }
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        // InetAddress parses a text starting with a hex digit or ':' as a literal and never looks it up by name;
        // anything else (".:", which a forwarding header may carry) would be a DNS lookup on the request's path.
        if (host.indexOf(':') >= 0 && host.length() <= 45 && host.matches("[0-9A-Fa-f:][0-9A-Fa-f:.]*")) {
            try {
                InetAddress parsed = InetAddress.getByName(host); // a literal: never a name lookup
                if (parsed instanceof Inet6Address) {
                    byte[] bytes = parsed.getAddress();
                    StringBuilder prefix = new StringBuilder("v6:");
                    for (int i = 0; i < 8; i++) {
                        prefix.append(Character.forDigit((bytes[i] >> 4) & 0xF, 16))
                                .append(Character.forDigit(bytes[i] & 0xF, 16));
                    }
                    return prefix.append("::/64").toString();
                }
                return parsed.getHostAddress(); // an IPv4-mapped IPv6 address
            } catch (UnknownHostException e) {
                // not an address: counted under its text
            }
        }
        return host.length() <= MAX_ADDRESS_CHARS ? host : host.substring(0, MAX_ADDRESS_CHARS);
    }

    /**
     * Refuses an address with no failure left in its bucket; never counts anything itself.
     *
     * @throws TooManyFailures saying when the address may try again
     */
    public void check(String client, GatewayConfig.ClientLimits limits) throws TooManyFailures {
        Long full = fullAt.getIfPresent(client);
        if (full == null) {
            return;
        }
        long interval = interval(limits);
        long over = full - clock.millis() - (limits.failureBurst() - 1) * interval;
        if (over > 0) {
            throw new TooManyFailures(Math.max(1, TimeUnit.MILLISECONDS.toSeconds(over + 999)));
        }
    }

    /** Counts one failed verification against the address. */
    public void failed(String client, GatewayConfig.ClientLimits limits) {
        long now = clock.millis();
        long interval = interval(limits);
        fullAt.asMap().merge(client, now + interval, (full, first) -> Math.max(full, now) + interval);
    }

    /** How many addresses are tracked now (for tests; approximate under concurrency). */
    public long tracked() {
        fullAt.cleanUp();
        return fullAt.estimatedSize();
    }

    /** Milliseconds per failure forgiven. */
    private static long interval(GatewayConfig.ClientLimits limits) {
        return 60_000L / limits.failuresPerMinute();
    }
}
