package dev.tollgate.gateway.settlement;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * POSTs a seller-signed compact JWS to the broker. The whole exchange, body included, is bounded by the timeout
 * (the JDK client's own timeout does not cover a body that stalls) and the answer by a size: a bigger answer fails
 * as soon as it passes the size, as an unreachable broker does (fail closed), and its connection is dropped.
 */
final class JosePost {

    static final String CONTENT_TYPE = "application/jose";

    private JosePost() {
    }

    /**
     * @param maxAnswerBytes the largest answer body read; a longer one (by its {@code Content-Length} or as it
     *     arrives) fails the exchange with an {@link IOException}
     */
    static HttpResponse<byte[]> post(HttpClient client, URI uri, String jws, Duration timeout, int maxAnswerBytes)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", CONTENT_TYPE)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jws, StandardCharsets.US_ASCII))
                .build();
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info -> new BoundedBody(
                maxAnswerBytes, info.headers().firstValueAsLong("Content-Length").orElse(-1)));
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IOException("no answer within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException ? (IOException) cause : new IOException(String.valueOf(cause), cause);
        }
    }

    /** An answer's text for a log line or an error: on one line, at most 300 characters. */
    static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }

    /** Collects an answer body of at most {@code max} bytes; cancels the exchange past that. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final long declared;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        BoundedBody(int max, long declared) {
            this.max = max;
            this.declared = declared;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (declared > max) {
                tooLarge();
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (item.remaining() > max - received.size()) {
                    tooLarge();
                    return;
                }
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                received.write(bytes, 0, bytes.length);
            }
            subscription.request(1);
        }

        private void tooLarge() {
            subscription.cancel();
            body.completeExceptionally(new IOException("the broker's answer is larger than " + max + " bytes"));
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(received.toByteArray());
        }
    }
}
