package dev.tollgate.buyer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.protocol.MalformedPaymentException;
import dev.tollgate.protocol.Money;
import dev.tollgate.protocol.PaymentHeaders;
import dev.tollgate.protocol.ScripReference;
import dev.tollgate.protocol.PaymentRequired;
import dev.tollgate.protocol.SettlementResponse;
import dev.tollgate.protocol.X402Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads what a seller answers a (paid) request: a payment refusal (402 with {@code PAYMENT-REQUIRED}, or 429/503
 * with a JSON error and no receipt), whose body is kept here (at most 16 KiB) instead of handed to the caller's
 * body handler, or content with its {@code PAYMENT-RESPONSE}. One instance per request.
 */
final class Answers {

    private static final int MAX_ERROR_BYTES = 16 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicReference<byte[]> refusalBody = new AtomicReference<>();

    /** Whether {@code info} is a refusal of the payment rather than content (paid, refunded or free). */
    static boolean isRefusal(HttpResponse.ResponseInfo info) {
        int status = info.statusCode();
        return status == 402 || (status == 429 || status == 503)
                && info.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).isEmpty();
    }

    /**
     * {@code handler} for content; refusals are read into this object and the response body is null. A refusal body
     * longer than {@link #MAX_ERROR_BYTES} is not read further (its connection is closed) and counts as empty.
     */
    <T> BodyHandler<T> wrap(BodyHandler<T> handler) {
        return info -> isRefusal(info)
                ? BodySubscribers.mapping(new Bounded(MAX_ERROR_BYTES), bytes -> {
                    refusalBody.set(bytes);
                    return null;
                })
                : handler.apply(info);
    }

    /** The bytes of a body if it has at most {@code max}; else it cancels the body and gives none. */
    private static final class Bounded implements BodySubscriber<byte[]> {

        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Bounded(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > max) {
                    subscription.cancel();
                    body.complete(new byte[0]);
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            body.complete(new byte[0]); // a refusal whose body broke off still refuses
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    /** The 402's offer. */
    static PaymentRequired offer(HttpResponse<?> response) throws PaymentRefusedException {
        String header = response.headers().firstValue(PaymentHeaders.PAYMENT_REQUIRED).orElse(null);
        try {
            return X402Codec.decodeHeader(header, PaymentRequired.class);
        } catch (MalformedPaymentException e) {
            throw new PaymentRefusedException(response.statusCode(), "unreadable_offer",
                    "the seller answered 402 without a readable PAYMENT-REQUIRED: " + e.getMessage(), -1);
        }
    }

    /** The refusal of a 429 or 503 as an exception (error code from its JSON body, and {@code Retry-After}). */
    PaymentRefusedException refusal(HttpResponse<?> response) {
        String code = response.statusCode() == 429 ? "too_many_failures" : "unavailable";
        String message = "";
        byte[] body = refusalBody.get();
        if (body != null && body.length > 0) {
            try {
                JsonNode json = JSON.readTree(body);
                code = json.path("error").asText(code);
                message = json.path("message").asText("");
            } catch (IOException e) {
                // not JSON: keep the status's code
            }
        }
        long retryAfter = response.headers().firstValue("Retry-After").map(Answers::seconds).orElse(-1L);
        return new PaymentRefusedException(response.statusCode(), code, "the seller answered "
                + response.statusCode() + " " + code + (message.isEmpty() ? "" : ": " + message), retryAfter);
    }

    /** The receipt of a paid answer, or null if it has none or an unreadable one. */
    static SettlementResponse receipt(HttpResponse<?> response) {
        String header = response.headers().firstValue(PaymentHeaders.PAYMENT_RESPONSE).orElse(null);
        if (header == null) {
            return null;
        }
        try {
            return X402Codec.decodeHeader(header, SettlementResponse.class);
        } catch (MalformedPaymentException e) {
            return null;
        }
    }

    /** {@code extra.remaining} of a receipt in micro-units, or -1. */
    static long remaining(SettlementResponse receipt) {
        if (receipt == null || receipt.extra() == null || !(receipt.extra().get("remaining") instanceof String r)) {
            return -1;
        }
        try {
            return Money.parseMicros(r);
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /**
     * {@code extra.reference} of a receipt (PROTOCOL.md section 12): what to pay the seller's later requests with
     * instead of the scrip, or null if it offers none or one of the wrong form.
     */
    static String reference(SettlementResponse receipt) {
        if (receipt == null || receipt.extra() == null
                || !(receipt.extra().get(ScripReference.RECEIPT_FIELD) instanceof String reference)) {
            return null;
        }
        try {
            return new ScripReference(reference, 0, null).reference();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static long seconds(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
