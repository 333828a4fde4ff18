package dev.tollgate.buyer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code extensions} of a {@code PAYMENT-SIGNATURE}: the 402's, echoed as they came, as the official x402 client
 * does ({@code x402Client.createPaymentPayload}); where the 402 declares {@code payment-identifier}, its {@code info}
 * gains a fresh {@code id} and keeps what the seller declared ({@code required}, and the {@code schema} beside it),
 * as {@code @x402/extensions}' {@code appendPaymentIdentifierToExtensions} does. OfficialX402ClientTest (in
 * sample-content-site) compares the result with the official client's.
 */
final class EchoedExtensions {

    private EchoedExtensions() {
    }

    /** {@code declared} (the 402's extensions, or null), with a fresh payment id if {@code idempotent}. */
    static Map<String, Object> of(Map<String, Object> declared, boolean idempotent) {
        if (!idempotent) {
            return declared;
        }
        Map<String, Object> extensions = new LinkedHashMap<>(declared == null ? Map.of() : declared);
        Map<String, Object> identifier = copy(extensions.get(Offer.PAYMENT_IDENTIFIER));
        Map<String, Object> info = copy(identifier.get("info"));
        info.put("id", newPaymentId());
        identifier.put("info", info);
        extensions.put(Offer.PAYMENT_IDENTIFIER, identifier);
        return extensions;
    }

    /** A fresh x402 payment identifier: {@code pay_} and 32 hex digits. */
    static String newPaymentId() {
        return "pay_" + UUID.randomUUID().toString().replace("-", "");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Object object) {
        return object instanceof Map<?, ?> map ? new LinkedHashMap<>((Map<String, Object>) map)
                : new LinkedHashMap<>();
    }
}
