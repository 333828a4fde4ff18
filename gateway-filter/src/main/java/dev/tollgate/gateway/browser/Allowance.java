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
 * @param pass the id of the pass it buys, instead of the item; {@code null} for the item (sealed as its own kind)
 */
record Allowance(byte purpose, long expiresAt, long capMicros, long remainingMicros, byte[] pathDigest, String jti,
                 String pass) {

    static final byte BACK_FROM_BROKER = 'B';
    static final byte CONFIRMED = 'C';
    private static final byte KIND = 'A';
    private static final byte PASS_KIND = 'Q';
    private static final int DIGEST_BYTES = 16;
    private static final int FIXED_BYTES = 2 + 8 + 8 + 8 + DIGEST_BYTES;

    /** An allowance for the item. */
    Allowance(byte purpose, long expiresAt, long capMicros, long remainingMicros, byte[] pathDigest, String jti) {
        this(purpose, expiresAt, capMicros, remainingMicros, pathDigest, jti, null);
    }

    String seal(BrowserSeal seal) {
        byte[] id = jti.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + (pass == null ? 0 : 1 + pass.length()) + id.length)
                .put(pass == null ? KIND : PASS_KIND).put(purpose).putLong(expiresAt).putLong(capMicros)
                .putLong(remainingMicros).put(pathDigest);
        if (pass != null) {
            BrowserSeal.putPass(out, pass);
        }
        return seal.seal(out.put(id).array());
    }

    /** The allowance sealed in {@code value}, or {@code null} if it is not one this gateway made. */
    static Allowance open(BrowserSeal seal, String value) {
        byte[] payload = seal.open(value);
        if (payload == null || payload.length < FIXED_BYTES || (payload[0] != KIND && payload[0] != PASS_KIND)) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(payload, 2, payload.length - 2);
        long expiresAt = in.getLong();
        long cap = in.getLong();
        long remaining = in.getLong();
        byte[] digest = new byte[DIGEST_BYTES];
        in.get(digest);
        int start = FIXED_BYTES;
        String pass = null;
        if (payload[0] == PASS_KIND) {
            pass = BrowserSeal.passAt(payload, start);
            if (pass == null) {
                return null;
            }
            start += 1 + pass.length();
        }
        return new Allowance(payload[1], expiresAt, cap, remaining, digest, new String(payload, start,
                payload.length - start, StandardCharsets.UTF_8), pass);
    }

    /** Whether it pays {@code path} from the scrip {@code jti} at {@code nowSeconds}. */
    boolean covers(String path, String scripJti, long nowSeconds) {
        return nowSeconds < expiresAt && jti.equals(scripJti)
                && MessageDigest.isEqual(pathDigest, BrowserSeal.digest(path));
    }
}
