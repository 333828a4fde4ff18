package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.FreeAllowance;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

/**
 * What a browser's free-allowance cookie says for one rule: when its period started and which items it read free in
 * it, each as the first 8 bytes of the SHA-256 of its path (so reading an item again costs nothing, and the cookie
 * names no path). Sealed by {@link BrowserSeal} with its own key, and bound to the seller and the rule by
 * {@code scope}: a value made for another seller or rule, changed, or cut opens as none. Immutable.
 *
 * <p>The payload: a version byte, the 8-byte scope, the period's start in epoch seconds (8 bytes), then up to
 * {@link FreeAllowance#MAX_COUNT} item hashes: at most 273 bytes, 409 characters sealed.
 */
final class FreeReadsCookie {

    private static final byte VERSION = 1;
    private static final int HEADER_BYTES = 1 + 8 + 8;
    static final int HASH_BYTES = 8;
    /** The longest sealed value read: base64url of the largest payload, a dot and a 43-character tag. */
    static final int MAX_CHARS = (HEADER_BYTES + FreeAllowance.MAX_COUNT * HASH_BYTES + 2) / 3 * 4 + 1 + 43;

    final long periodStartSeconds;
    private final long[] items;

    private FreeReadsCookie(long periodStartSeconds, long[] items) {
        this.periodStartSeconds = periodStartSeconds;
        this.items = items;
    }

    /** A period starting now, nothing read yet. */
    static FreeReadsCookie fresh(Instant now) {
        return new FreeReadsCookie(now.getEpochSecond(), new long[0]);
    }

    /** How many different items were read free in this period. */
    int read() {
        return items.length;
    }

    boolean contains(long item) {
        for (long read : items) {
            if (read == item) {
                return true;
            }
        }
        return false;
    }

    /** This period with {@code item} read too. */
    FreeReadsCookie with(long item) {
        long[] more = Arrays.copyOf(items, items.length + 1);
        more[items.length] = item;
        return new FreeReadsCookie(periodStartSeconds, more);
    }

    String seal(BrowserSeal seal, long scope) {
        ByteBuffer payload = ByteBuffer.allocate(HEADER_BYTES + items.length * HASH_BYTES);
        payload.put(VERSION).putLong(scope).putLong(periodStartSeconds);
        for (long item : items) {
            payload.putLong(item);
        }
        return seal.seal(payload.array());
    }

    /** The cookie {@code value} holds for {@code scope}, or {@code null} for anything this gateway did not seal so. */
    static FreeReadsCookie open(BrowserSeal seal, long scope, String value) {
        if (value == null || value.length() > MAX_CHARS) {
            return null; // bounded before any decoding or MAC: a long cookie costs a length check
        }
        byte[] payload = seal.open(value);
        if (payload == null || payload.length < HEADER_BYTES || (payload.length - HEADER_BYTES) % HASH_BYTES != 0
                || (payload.length - HEADER_BYTES) / HASH_BYTES > FreeAllowance.MAX_COUNT) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(payload);
        if (in.get() != VERSION || in.getLong() != scope) {
            return null;
        }
        long start = in.getLong();
        long[] items = new long[in.remaining() / HASH_BYTES];
        for (int i = 0; i < items.length; i++) {
            items[i] = in.getLong();
        }
        return new FreeReadsCookie(start, items);
    }

    /** The first 8 bytes of the SHA-256 of {@code text}, as a long. */
    static long hash(String text) {
        return ByteBuffer.wrap(BrowserSeal.digest(text)).getLong();
    }
}
