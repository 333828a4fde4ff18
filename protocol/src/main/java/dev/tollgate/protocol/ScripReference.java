package dev.tollgate.protocol;

import java.util.Objects;

/**
 * A payment with a seller-issued reference to scrip it verified before (PROTOCOL.md section 12): the value of the
 * {@code TOLLGATE-REFERENCE} header, {@code <reference>; amount=<micro-units>} followed by {@code ; id=<payment
 * identifier>} when the buyer names the payment. The reference is what a receipt's {@code extra.reference} offered;
 * the amount is the most the buyer agrees to pay for this request, as {@code accepted.amount} is in x402. Immutable and
 * thread-safe.
 *
 * @param reference the reference as the receipt gave it: 1 to {@link #MAX_REFERENCE_CHARS} characters of
 *     {@code [A-Za-z0-9._-]}
 * @param amountMicros the most this request may cost, at least 0
 * @param paymentId the x402 payment identifier of this payment, or {@code null}
 * @since 0.5
 */
public record ScripReference(String reference, long amountMicros, String paymentId) {

    /** The field of a receipt's {@code extra} that offers a reference. */
    public static final String RECEIPT_FIELD = "reference";
    /** The longest reference read; a reference a gateway issues is under 250. */
    public static final int MAX_REFERENCE_CHARS = 256;
    /** The longest header value read: a reference, an amount and a payment identifier of 128 characters. */
    public static final int MAX_HEADER_CHARS = 512;

    private static final String AMOUNT = "amount=";
    private static final String ID = "id=";

    public ScripReference {
        Objects.requireNonNull(reference, "reference cannot be null.");
        if (!referenceText(reference)) {
            throw new IllegalArgumentException("a reference is 1 to " + MAX_REFERENCE_CHARS
                    + " characters of A-Z a-z 0-9 . _ -");
        }
        if (amountMicros < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amountMicros);
        }
    }

    /** The header's value. */
    public String header() {
        return reference + "; " + AMOUNT + amountMicros + (paymentId == null ? "" : "; " + ID + paymentId);
    }

    /**
     * Reads a header value; the payment identifier's form is the reader's to check.
     *
     * @throws MalformedPaymentException if it is not {@code <reference>; amount=<n>[; id=<id>]} (spaces after the
     *     semicolons optional), or longer than {@link #MAX_HEADER_CHARS}
     */
    public static ScripReference parse(String header) throws MalformedPaymentException {
        if (header.length() > MAX_HEADER_CHARS) {
            throw new MalformedPaymentException("the reference header is longer than " + MAX_HEADER_CHARS
                    + " characters");
        }
        String[] parts = header.split(";", -1);
        if (parts.length < 2 || parts.length > 3 || !referenceText(parts[0].trim())) {
            throw new MalformedPaymentException("the reference header must be '<reference>; amount=<micro-units>' "
                    + "with an optional '; id=<payment identifier>'");
        }
        String amount = parts[1].trim();
        if (!amount.startsWith(AMOUNT)) {
            throw new MalformedPaymentException("the reference header's second part must be amount=<micro-units>");
        }
        long micros;
        try {
            micros = Money.parseMicros(amount.substring(AMOUNT.length()));
        } catch (IllegalArgumentException e) {
            throw new MalformedPaymentException("amount must be a whole number of micro-units, like 50000");
        }
        String id = null;
        if (parts.length == 3) {
            id = parts[2].trim();
            if (!id.startsWith(ID) || id.length() == ID.length()) {
                throw new MalformedPaymentException("the reference header's third part must be id=<payment "
                        + "identifier>");
            }
            id = id.substring(ID.length());
        }
        return new ScripReference(parts[0].trim(), micros, id);
    }

    private static boolean referenceText(String text) {
        if (text.isEmpty() || text.length() > MAX_REFERENCE_CHARS) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
