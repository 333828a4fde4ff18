package dev.tollgate.gateway.payment;

import dev.tollgate.gateway.http.Offers;
import dev.tollgate.protocol.MalformedPaymentException;
import dev.tollgate.protocol.PaymentPayload;
import java.util.Map;

/**
 * Reads the x402 {@code payment-identifier} extension of a payment header (PROTOCOL.md section 11): the buyer's
 * identifier of one payment, which makes a request sent again after a lost answer cost nothing more.
 */
final class PaymentIdentifiers {

    /** The 402 answer to an identifier that names a payment for another resource. */
    static final String REUSED = "extensions." + Offers.PAYMENT_IDENTIFIER + ".info.id names a payment already made "
            + "for another resource; choose a new identifier for each payment";

    private static final int MIN_LENGTH = 16;
    private static final int MAX_LENGTH = 128;
    private static final String FORM = " must be " + MIN_LENGTH + " to " + MAX_LENGTH + " letters, digits, '-' or '_'";

    private PaymentIdentifiers() {
    }

    /**
     * The identifier at {@code extensions["payment-identifier"].info.id}, or {@code null} when there is none.
     *
     * @throws MalformedPaymentException if it is there but not 16 to 128 characters of {@code [A-Za-z0-9_-]}
     */
    static String read(PaymentPayload payload) throws MalformedPaymentException {
        Map<String, Object> extensions = payload.extensions();
        if (extensions == null || !(extensions.get(Offers.PAYMENT_IDENTIFIER) instanceof Map<?, ?> extension)
                || !(extension.get("info") instanceof Map<?, ?> info)) {
            return null;
        }
        Object id = info.get("id");
        if (id == null) {
            return null;
        }
        if (!(id instanceof String text) || !valid(text)) {
            throw new MalformedPaymentException("extensions." + Offers.PAYMENT_IDENTIFIER + ".info.id" + FORM);
        }
        return text;
    }

    /**
     * An identifier sent in a header's {@code id=} (a repeat reference, PROTOCOL.md section 12, or a compact PayWord
     * word, section 8), or {@code null}.
     *
     * @param header what the message calls the header, as "the reference header"
     * @throws MalformedPaymentException if it is not 16 to 128 characters of {@code [A-Za-z0-9_-]}
     */
    static String checked(String id, String header) throws MalformedPaymentException {
        if (id != null && !valid(id)) {
            throw new MalformedPaymentException(header + "'s id" + FORM);
        }
        return id;
    }

    private static boolean valid(String id) {
        if (id.length() < MIN_LENGTH || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
