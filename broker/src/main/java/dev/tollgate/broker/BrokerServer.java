package dev.tollgate.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The broker's embedded Jetty: one connector, plain HTTP or TLS from the settings' keystore, 64 threads (which also
 * bounds how many request bodies are read at once), and the one handler it is given. TLS is a connector change
 * only: the handler does not know which it runs behind.
 */
final class BrokerServer {

    /** Most request threads: with the largest body limit, what reading bodies can hold at once. */
    static final int MAX_THREADS = 64;

    private final Server server;
    private final ServerConnector connector;
    private final boolean tls;
    private final String host;

    private BrokerServer(Server server, ServerConnector connector, boolean tls, String host) {
        this.server = server;
        this.connector = connector;
        this.tls = tls;
        this.host = host;
    }

    /**
     * Listens on the settings' host and port and serves {@code handler}.
     *
     * @throws UncheckedIOException if the port cannot be bound or the keystore cannot be read (nothing is left open)
     */
    static BrokerServer start(BrokerSettings settings, Handler handler) {
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 4);
        threads.setName("broker-http");
        Server s = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector c;
        if (settings.keystore() != null) {
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setKeyStorePath(settings.keystore().toString());
            tls.setKeyStorePassword(new String(settings.keystorePassword()));
            http.addCustomizer(new SecureRequestCustomizer());
            c = new ServerConnector(s, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
        } else {
            c = new ServerConnector(s, new HttpConnectionFactory(http));
        }
        c.setHost(settings.host());
        c.setPort(settings.port());
        s.addConnector(c);
        s.setHandler(handler);
        s.setStopTimeout(settings.stopTimeout().toMillis());
        try {
            s.start();
        } catch (Exception e) {
            try {
                s.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(new IOException("cannot start the broker on " + settings.host() + ":"
                    + settings.port() + ": " + e.getMessage(), e));
        }
        return new BrokerServer(s, c, settings.keystore() != null, settings.host());
    }

    /** The port listened on (the one picked, for port 0). */
    int port() {
        return connector.getLocalPort();
    }

    /** Where the server listens, such as {@code http://127.0.0.1:8444}. */
    URI baseUri() {
        String scheme = tls ? "https" : "http";
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create(scheme + "://" + h + ":" + port());
    }

    /** Stops listening, letting requests in flight finish within the settings' stop timeout. */
    void stop() throws Exception {
        server.stop();
    }
}
