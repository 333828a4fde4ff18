package dev.tollgate.gateway.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Between a gateway node and the broker: forwards every POST to the broker, which handles it, and then loses the
 * broker's answer on its way back (the connection is closed without a response) for the next {@link #loseNext}
 * answers, or holds every answer from {@link #holdAnswers} on (the node waits, as for a batch in flight when it is
 * killed). Counts what it forwarded and what it lost.
 */
final class AnswerLosingProxy implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final URI target;
    private final AtomicInteger toLose = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean holding;

    private AnswerLosingProxy(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::forward);
        server.setExecutor(threads);
        server.start();
    }

    /** A proxy in front of the server at {@code target} (scheme, host and port). */
    static AnswerLosingProxy start(URI target) throws IOException {
        return new AnswerLosingProxy(target);
    }

    /** Its base URI: a path after it reaches the same path at the target. */
    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Loses the next {@code count} answers. */
    void loseNext(int count) {
        toLose.set(count);
    }

    /** Holds every answer from now on until closed. */
    void holdAnswers() {
        holding = true;
    }

    /** Answers lost so far: requests the broker handled whose sender never heard. */
    int lost() {
        return lost.get();
    }

    /** Answers held now. */
    int held() {
        return held.get();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                    .timeout(Duration.ofSeconds(20))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().getOrDefault("Content-Type", List.of())
                    .forEach(value -> request.header("Content-Type", value));
            HttpResponse<byte[]> answer;
            try {
                answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (holding) {
                held.incrementAndGet();
                released.await();
                return; // closed without an answer
            }
            if (toLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                lost.incrementAndGet();
                return; // closing the exchange before its headers closes the connection: the answer is lost
            }
            answer.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add(
                    "Content-Type", v));
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            exchange.getResponseBody().write(answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
