package dev.tollgate.protocol;

import java.util.Objects;

/**
 * A PayWord word in Tollgate's compact form (PROTOCOL.md section 8, "Compact words"): the value of the
 * {@code TOLLGATE-PAYWORD} header, sent instead of {@code PAYMENT-SIGNATURE} for a later payment on a chain the seller
 * has recorded:
 * {@code <broker id>.<commitmentId>; index=<i>; word=<w_i>; amount=<micro-units>} followed by {@code ; id=<payment
 * identifier>} when the buyer names the payment. It pays as a {@code PAYMENT-SIGNATURE} whose {@code accepted.network}
 * is {@code tollgate:<broker id>} and whose payload is {@code {"commitmentId", "index", "word"}}. Immutable and
 * thread-safe (the word's array is the caller's: not copied, not to be changed). Two are equal when their parts are,
 * the word compared by content (not the array's identity); {@link #toString} leaves the word out, as it is a bearer
 * credential.
 *
 * @param brokerId the broker that certified the chain, as in its network {@code tollgate:<broker id>}
 * @param commitmentId the chain's commitment id, 43 base64url characters
 * @param index {@code i}, 0 to {@link Integer#MAX_VALUE} (the seller checks it against the chain)
 * @param word {@code w_i}, 32 bytes
 * @param amountMicros the most this request may cost, at least 0
 * @param paymentId the x402 payment identifier of this payment, or {@code null}; its form is the reader's to check
 * @since 0.6
 */
public record CompactWord(String brokerId, String commitmentId, int index, byte[] word, long amountMicros,
                          String paymentId) {

    /** The longest header value read: a broker id of 32, an index of 10 digits, an amount of 19, an id of 128. */
    public static final int MAX_HEADER_CHARS = 320;

    private static final String INDEX = "index=";
    private static final String WORD = "word=";
    private static final String AMOUNT = "amount=";
    private static final String ID = "id=";
    private static final String FORM = "the PayWord header must be '<broker id>.<commitmentId>; index=<i>; "
            + "word=<w_i>; amount=<micro-units>' with an optional '; id=<payment identifier>'";

    public CompactWord {
        if (!Scrip.isValidBrokerId(brokerId)) {
            throw new IllegalArgumentException("brokerId must be a broker id, as in tollgate:<broker id>");
        }
        Objects.requireNonNull(commitmentId, "commitmentId cannot be null.");
        if (!base64url(commitmentId, 0, commitmentId.length()) || commitmentId.length() != PayWord.WORD_CHARS) {
            throw new IllegalArgumentException("commitmentId must be " + PayWord.WORD_CHARS + " base64url characters");
        }
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative: " + index);
        }
        Objects.requireNonNull(word, "word cannot be null.");
        if (word.length != PayWord.WORD_BYTES) {
            throw new IllegalArgumentException("a word is " + PayWord.WORD_BYTES + " bytes, not " + word.length);
        }
        if (amountMicros < 0) {
            throw new IllegalArgumentException("amount must not be negative: " + amountMicros);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CompactWord that && index == that.index && amountMicros == that.amountMicros
                && brokerId.equals(that.brokerId) && commitmentId.equals(that.commitmentId)
                && java.util.Arrays.equals(word, that.word) && Objects.equals(paymentId, that.paymentId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(brokerId, commitmentId, index, java.util.Arrays.hashCode(word), amountMicros, paymentId);
    }

    /** The parts but the word, which pays: a log line or a failed assertion never shows it. */
    @Override
    public String toString() {
        return "CompactWord[brokerId=" + brokerId + ", commitmentId=" + commitmentId + ", index=" + index
                + ", amountMicros=" + amountMicros + ", paymentId=" + paymentId + "]";
    }

    /** The header's value. */
    public String header() {
        return brokerId + '.' + commitmentId + "; " + INDEX + index + "; " + WORD + PayWord.encodeWord(word) + "; "
                + AMOUNT + amountMicros + (paymentId == null ? "" : "; " + ID + paymentId);
    }

    /**
     * Reads a header value in one pass, cutting out only the broker id, the commitment id and the payment identifier
     * and decoding the word in place. The message never echoes the input.
     *
     * @throws MalformedPaymentException if it is not of the form above (spaces after the semicolons optional), or
     *     longer than {@link #MAX_HEADER_CHARS}
     */
    public static CompactWord parse(String header) throws MalformedPaymentException {
        if (header.length() > MAX_HEADER_CHARS) {
            throw new MalformedPaymentException("the PayWord header is longer than " + MAX_HEADER_CHARS
                    + " characters");
        }
        int dot = header.indexOf('.');
        int end = header.indexOf(';');
        if (dot < 0 || end < 0 || dot > end || end - dot - 1 != PayWord.WORD_CHARS
                || !base64url(header, dot + 1, end)) {
            throw new MalformedPaymentException(FORM);
        }
        String brokerId = header.substring(0, dot);
        if (!Scrip.isValidBrokerId(brokerId)) {
            throw new MalformedPaymentException(FORM);
        }
        String commitmentId = header.substring(dot + 1, end);

        int at = valueAfter(header, end, INDEX);
        end = partEnd(header, at);
        int index = index(header, at, end);

        at = valueAfter(header, end, WORD);
        end = partEnd(header, at);
        byte[] word;
        try {
            if (end - at != PayWord.WORD_CHARS) {
                throw new IllegalArgumentException();
            }
            word = PayWord.decodeWord(header, at);
        } catch (IllegalArgumentException e) {
            throw new MalformedPaymentException("word must be " + PayWord.WORD_CHARS + " base64url characters");
        }

        at = valueAfter(header, end, AMOUNT);
        end = partEnd(header, at);
        long amount;
        try {
            amount = Money.parseMicros(header, at, end);
        } catch (IllegalArgumentException e) {
            throw new MalformedPaymentException("amount must be a whole number of micro-units, like 50000");
        }

        String id = null;
        if (end < header.length()) {
            at = valueAfter(header, end, ID);
            end = partEnd(header, at);
            if (end < header.length() || end == at) {
                throw new MalformedPaymentException(FORM);
            }
            id = header.substring(at, end);
        }
        return new CompactWord(brokerId, commitmentId, index, word, amount, id);
    }

    /** Where the value of {@code name=} starts: after the semicolon at {@code semicolon}, optional spaces and the name. */
    private static int valueAfter(String header, int semicolon, String name) throws MalformedPaymentException {
        if (semicolon >= header.length() || header.charAt(semicolon) != ';') {
            throw new MalformedPaymentException(FORM);
        }
        int at = semicolon + 1;
        while (at < header.length() && header.charAt(at) == ' ') {
            at++;
        }
        if (!header.startsWith(name, at)) {
            throw new MalformedPaymentException(FORM);
        }
        return at + name.length();
    }

    /** The end of the part whose value starts at {@code at}: the next semicolon, or the header's end. */
    private static int partEnd(String header, int at) {
        int semicolon = header.indexOf(';', at);
        return semicolon < 0 ? header.length() : semicolon;
    }

    /** A JSON integer's digits (no sign, no leading zero) up to {@link Integer#MAX_VALUE}. */
    private static int index(String header, int from, int to) throws MalformedPaymentException {
        if (to == from || to - from > 10 || header.charAt(from) == '0' && to - from > 1) {
            throw new MalformedPaymentException("index must be a whole number from 0 to " + Integer.MAX_VALUE);
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = header.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new MalformedPaymentException("index must be a whole number from 0 to " + Integer.MAX_VALUE);
            }
            value = value * 10 + digit;
        }
        if (value > Integer.MAX_VALUE) {
            throw new MalformedPaymentException("index is out of range");
        }
        return (int) value;
    }

    private static boolean base64url(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (PayWord.sextet(text.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
