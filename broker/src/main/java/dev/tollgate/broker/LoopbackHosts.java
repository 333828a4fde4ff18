package dev.tollgate.broker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Whether a host is this machine, which decides where plain HTTP is allowed. Asked two ways on purpose: a host a
 * seller or a buyer's browser names (an origin, a return URL) is only ever a literal and never resolved, so that no
 * outside input makes the broker look a name up; the address the broker itself listens on is resolved, as the
 * server will resolve it. Pure functions; thread-safe.
 */
final class LoopbackHosts {

    private LoopbackHosts() {
    }

    /** True for {@code localhost} and loopback IP literals; never resolves a name. */
    static boolean isLoopbackLiteral(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (!h.matches("[0-9.]+") && !h.matches("[0-9a-f:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Whether the address the broker binds to resolves to a loopback address.
     *
     * @throws IllegalArgumentException if {@code host} cannot be resolved
     */
    static boolean resolvesToLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host " + host + " cannot be resolved");
        }
    }
}
