package dev.tollgate.gateway.keys;

import java.net.ConnectException;
import java.net.URI;

/**
 * Says what failed when a call to the broker failed, for log lines and errors a seller reads: the host and port
 * called and the cause. The JDK's HTTP client often throws exceptions without a message (JDK 17 answers a refused
 * connection with {@code ConnectException: null} around another one around a {@code ClosedChannelException}), so the
 * cause is the outer exception's type with the first message found down its chain, or the chain's types, and a
 * connection that could not be made says so.
 */
public final class NetworkFailure {

    /** How far down the chain of causes to look for a message. */
    private static final int MAX_DEPTH = 8;

    private NetworkFailure() {
    }

    /** {@code broker.example:443: no connection (ConnectException: Connection refused)}. */
    public static String describe(URI uri, Throwable failure) {
        String cause = cause(failure);
        return hostAndPort(uri) + ": " + (connectionFailed(failure) ? "no connection (" + cause + ")" : cause);
    }

    /** {@code cannot reach the broker at https://broker.example/v1/charges (broker.example:443: ...)}. */
    public static String cannotReachBroker(URI uri, Throwable failure) {
        // Without the query: a seller's broker URL may carry a key there, and this line reaches the container's log.
        String shown = uri.getScheme() + "://" + hostAndPort(uri) + (uri.getRawPath() == null ? "" : uri.getRawPath());
        return "cannot reach the broker at " + shown + " (" + describe(uri, failure) + ")";
    }

    /** The host and port a request to {@code uri} connects to, the scheme's default port written out. */
    static String hostAndPort(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getHost() + ":" + port;
    }

    /**
     * The exception's type and the first message in its chain ({@code IOException (SSLHandshakeException): ...}), or
     * the types down to the root, each once, if none has one.
     */
    static String cause(Throwable failure) {
        String outer = failure.getClass().getSimpleName();
        StringBuilder types = new StringBuilder(outer);
        String last = outer;
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            String type = t.getClass().getSimpleName();
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return outer + (type.equals(outer) ? "" : " (" + type + ")") + ": " + t.getMessage();
            }
            if (!type.equals(last)) {
                types.append(", caused by ").append(type);
                last = type;
            }
        }
        return types.toString();
    }

    private static boolean connectionFailed(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }
}
