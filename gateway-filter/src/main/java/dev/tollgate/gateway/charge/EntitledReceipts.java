package dev.tollgate.gateway.charge;

import dev.tollgate.gateway.http.Receipts;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code PAYMENT-RESPONSE} header of a stream segment that passed on its entitlement, rendered once and reused
 * while nothing in it changes: every segment of a stream inside its window gets the same receipt (the charge that
 * bought the window, the scrip's remaining budget, the window's end), and rendering and base64-encoding it cost about
 * 5 % of such a request's CPU (docs/BENCHMARKS.md section 8).
 *
 * <p>A fixed table of {@value #SLOTS} slots, one per receipt id's hash: a slot holds the last header rendered for it
 * with everything it was rendered from, and is used only if all of that is equal, so a reused header is byte for byte
 * what rendering would give. Two streams on one slot take turns rendering. Bounded by the table, whatever the number
 * of streams: {@value #SLOTS} slots, each a header of a few hundred bytes and what it was rendered from (the stream
 * key, kept only up to {@value #MAX_KEPT_STREAM_CHARS} characters, else rendered each time; the buyer's JSON and the
 * repeat reference, each bounded by the payment header it came in). Thread-safe, lock-free.
 */
final class EntitledReceipts {

    static final int SLOTS = 1024;
    /**
     * The longest stream key a slot keeps: a receipt names a stream only up to {@code Offers.MAX_STREAM_BYTES} of
     * JSON (256), and a key longer than that (up to a request line) would make a slot many times its header's size.
     */
    static final int MAX_KEPT_STREAM_CHARS = 256;

    /** One rendered header and what it was rendered from. */
    private record Rendered(String receiptId, long remainingMicros, long untilEpochSeconds, String stream,
                           String network, String buyerJson, String reference, String header) {

        boolean renders(String receiptId, long remainingMicros, long untilEpochSeconds, String stream, String network,
                        String buyerJson, String reference) {
            return this.remainingMicros == remainingMicros && this.untilEpochSeconds == untilEpochSeconds
                    && this.receiptId.equals(receiptId) && this.stream.equals(stream) && this.network.equals(network)
                    && this.buyerJson.equals(buyerJson) && java.util.Objects.equals(this.reference, reference);
        }
    }

    private final AtomicReferenceArray<Rendered> slots = new AtomicReferenceArray<>(SLOTS);

    /** {@link Receipts#stream} of a request within the window ({@code amount} 0, {@code entitled} true). */
    String header(String network, String buyerJson, String receiptId, long remainingMicros, String stream,
                  long untilEpochSeconds, String reference) {
        int slot = receiptId.hashCode() & (SLOTS - 1);
        Rendered rendered = slots.get(slot);
        if (rendered != null && rendered.renders(receiptId, remainingMicros, untilEpochSeconds, stream, network,
                buyerJson, reference)) {
            return rendered.header();
        }
        String header = Receipts.stream(network, buyerJson, receiptId, 0, remainingMicros, stream, untilEpochSeconds,
                true, reference);
        if (stream.length() <= MAX_KEPT_STREAM_CHARS) {
            slots.set(slot, new Rendered(receiptId, remainingMicros, untilEpochSeconds, stream, network, buyerJson,
                    reference, header));
        }
        return header;
    }
}
