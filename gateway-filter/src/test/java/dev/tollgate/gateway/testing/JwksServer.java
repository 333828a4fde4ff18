package dev.tollgate.gateway.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real Jetty 12 server on {@code 127.0.0.1} (random port) serving {@code GET /.well-known/jwks.json} from a
 * supplier, so tests can rotate keys. Switches simulate an outage ({@link #down}), an oversized body
 * ({@link #hugeResponse}) and caching headers ({@link #cacheControl}). Thread-safe.
 */
public final class JwksServer implements AutoCloseable {

    public static final String PATH = "/.well-known/jwks.json";
    /** Size of the body sent by {@link #hugeResponse(boolean)}: 1 MiB, streamed without Content-Length. */
    public static final int HUGE_BYTES = 1024 * 1024;

    private final Server server;
    private final ServerConnector connector;
    private final Supplier<String> jwks;
    private final boolean tls;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean down;
    private volatile boolean huge;
    private volatile String cacheControl;

    private JwksServer(Supplier<String> jwks, SelfSignedCertificate tls) {
        this.jwks = Objects.requireNonNull(jwks, "jwks cannot be null.");
        this.server = new Server();
        this.tls = tls != null;
        if (tls == null) {
            this.connector = new ServerConnector(server);
        } else {
            this.connector = new ServerConnector(server, tls.sslContextFactory());
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new JwksHandler());
    }

    /** Starts a server; close it when done. */
    public static JwksServer start(Supplier<String> jwks) {
        return start(jwks, null);
    }

    /** Starts a server on HTTPS with {@code certificate}; close it when done. */
    public static JwksServer startHttps(Supplier<String> jwks, SelfSignedCertificate certificate) {
        return start(jwks, Objects.requireNonNull(certificate, "certificate cannot be null."));
    }

    private static JwksServer start(Supplier<String> jwks, SelfSignedCertificate certificate) {
        JwksServer s = new JwksServer(jwks, certificate);
        try {
            s.server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the JWKS server", e);
        }
        return s;
    }

    public URI jwksUri() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + connector.getLocalPort() + PATH);
    }

    /** While down, every request is answered 503. */
    public JwksServer down(boolean value) {
        this.down = value;
        return this;
    }

    /** While on, the JWKS is padded to {@link #HUGE_BYTES}, streamed in chunks without Content-Length. */
    public JwksServer hugeResponse(boolean value) {
        this.huge = value;
        return this;
    }

    /** A {@code Cache-Control} header to send, or {@code null} for none. */
    public JwksServer cacheControl(String value) {
        this.cacheControl = value;
        return this;
    }

    /** Requests received on the JWKS path, whatever the answer. */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the JWKS server", e);
        }
    }

    private final class JwksHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!PATH.equals(Request.getPathInContext(request)) || !"GET".equals(request.getMethod())) {
                Response.writeError(request, response, callback, 404);
                return true;
            }
            requests.incrementAndGet();
            if (down) {
                Response.writeError(request, response, callback, 503);
                return true;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/jwk-set+json");
            String cc = cacheControl;
            if (cc != null) {
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, cc);
            }
            String body = jwks.get();
            if (!huge) {
                Content.Sink.write(response, true, body, callback);
                return true;
            }
            // {"keys":[...],"pad":"xxxx..."} streamed in 8 KiB writes, so no Content-Length is known up front.
            String head = body.substring(0, body.lastIndexOf('}')) + ",\"pad\":\"";
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                out.write(head.getBytes(StandardCharsets.UTF_8));
                byte[] chunk = new byte[8192];
                Arrays.fill(chunk, (byte) 'x');
                for (int sent = 0; sent < HUGE_BYTES; sent += chunk.length) {
                    out.write(chunk);
                    out.flush();
                }
                out.write("\"}".getBytes(StandardCharsets.UTF_8));
                callback.succeeded();
            } catch (IOException e) {
                callback.failed(e); // the client hung up, as it should
            }
            return true;
        }
    }
}
