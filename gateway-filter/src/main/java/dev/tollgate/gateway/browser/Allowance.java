package dev.tollgate.gateway.browser;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Leave to pay one page from the scrip cookie without the checks of {@link FetchMetadata}: the buyer consented at
 * the broker ({@link #BACK_FROM_BROKER}, set by the callback) or pressed "Continue and pay" ({@link #CONFIRMED}).
 * Carried by the browser in the {@code __Host-tollgate_allow} cookie, sealed by {@link BrowserSeal}; the gateway
 * keeps nothing of it.
 *
 * <p>It names one scrip, one local path (by digest) and the highest price it pays, and holds only while that scrip
 * has exactly {@code remainingMicros} left: the charge it allows changes that, so it allows one charge, with no
 * replay set to fill. A refund restores the amount and with it the allowance, so the buyer may try again.
 *
 * @param purpose {@link #BACK_FROM_BROKER} or {@link #CONFIRMED}
 * @param expiresAt epoch seconds
 * @param capMicros the most it pays: the price the buyer saw
 * @param remainingMicros what was left on the scrip when it was made
 * @param pathDigest {@link BrowserSeal#digest} of the local path (path and query) it pays
 * @param jti the scrip it pays from
 */
record Allowance(byte purpose, long expiresAt, long capMicros, long remainingMicros, byte[] pathDigest, String jti) {

    static final byte BACK_FROM_BROKER = 'B';
    static final byte CONFIRMED = 'C';
    private static final byte KIND = 'A';
    private static final int DIGEST_BYTES = 16;
    private static final int FIXED_BYTES = 2 + 8 + 8 + 8 + DIGEST_BYTES;

    String seal(BrowserSeal seal) {
        byte[] id = jti.getBytes(StandardCharsets.UTF_8);
        return seal.seal(ByteBuffer.allocate(FIXED_BYTES + id.length).put(KIND).put(purpose).putLong(expiresAt)
                .putLong(capMicros).putLong(remainingMicros).put(pathDigest).put(id).array());
    }

    /** The allowance sealed in {@code value}, or {@code null} if it is not one this gateway made. */
    static Allowance open(BrowserSeal seal, String value) {
        byte[] payload = seal.open(value);
        if (payload == null || payload.length < FIXED_BYTES || payload[0] != KIND) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(payload, 2, payload.length - 2);
        long expiresAt = in.getLong();
        long cap = in.getLong();
        long remaining = in.getLong();
        byte[] digest = new byte[DIGEST_BYTES];
        in.get(digest);
        return new Allowance(payload[1], expiresAt, cap, remaining, digest, new String(payload, FIXED_BYTES,
                payload.length - FIXED_BYTES, StandardCharsets.UTF_8));
    }

    /** Whether it pays {@code path} from the scrip {@code jti} at {@code nowSeconds}. */
    boolean covers(String path, String scripJti, long nowSeconds) {
        return nowSeconds < expiresAt && jti.equals(scripJti)
                && MessageDigest.isEqual(pathDigest, BrowserSeal.digest(path));
    }
}
