package dev.tollgate.gateway.keys;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Whether a host named in a URL is this machine, which decides where the gateway allows plain HTTP (the config's
 * broker URLs, the JWKS URI). Only literals count and no name is ever looked up: the answer must not depend on DNS,
 * nor may checking a setting make the gateway resolve a name. Pure functions; thread-safe.
 */
public final class LoopbackHosts {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

    private LoopbackHosts() {
    }

    /**
     * True for {@code localhost}, 127.0.0.0/8 and {@code [::1]} literals (as {@link java.net.URI#getHost()} gives
     * them, IPv6 in brackets). An IPv6 literal has a colon, an IPv4 one four dotted numbers: so neither makes
     * {@link InetAddress#getByName} resolve a name.
     */
    public static boolean isLoopbackLiteral(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        try {
            if (h.startsWith("[") && h.endsWith("]") && h.indexOf(':') > 0) {
                return InetAddress.getByName(h.substring(1, h.length() - 1)).isLoopbackAddress();
            }
            if (IPV4.matcher(h).matches()) {
                return InetAddress.getByName(h).isLoopbackAddress();
            }
        } catch (UnknownHostException e) {
            return false;
        }
        return false;
    }
}
