package dev.tollgate.site;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that sends through another and keeps every request it sent with the response it got, so a
 * test sees the headers a client library put on the wire without a hook in the library. Blocking sends only (what
 * the buyer client uses); thread-safe.
 */
final class RecordingHttpClient extends HttpClient {

    /** One request as it was sent, and its response. */
    record Exchange(HttpRequest request, HttpResponse<?> response) {
    }

    private final HttpClient http;
    private final List<Exchange> exchanges = new ArrayList<>();

    RecordingHttpClient(HttpClient http) {
        this.http = http;
    }

    /** The exchanges so far, oldest first. */
    synchronized List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException,
            InterruptedException {
        HttpResponse<T> response = http.send(request, handler);
        synchronized (this) {
            exchanges.add(new Exchange(request, response));
        }
        return response;
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                                                            HttpResponse.BodyHandler<T> handler) {
        throw new UnsupportedOperationException("the recording client records blocking sends only");
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> push) {
        throw new UnsupportedOperationException("the recording client records blocking sends only");
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return http.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return http.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return http.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return http.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return http.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return http.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return http.authenticator();
    }

    @Override
    public Version version() {
        return http.version();
    }

    @Override
    public Optional<Executor> executor() {
        return http.executor();
    }
}
