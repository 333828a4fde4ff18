package dev.tollgate.gateway.browser;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A purchase in progress, as the browser carries it in the {@code __Host-tollgate_state} cookie (sealed by
 * {@link BrowserSeal}): the random nonce whose base64url form is the {@code state} sent to the broker, when it
 * expires, the price the paywall showed and the local path to return the buyer to. The gateway keeps nothing of it.
 *
 * @param nonce 32 random bytes
 * @param expiresAt epoch seconds
 * @param priceMicros the price the paywall showed
 * @param returnPath a local path and query (see {@link BrowserFlow#returnPath})
 */
public record PurchaseState(byte[] nonce, long expiresAt, long priceMicros, String returnPath) {

    private static final byte KIND = 'S';
    static final int NONCE_BYTES = 32;
    private static final int FIXED_BYTES = 1 + NONCE_BYTES + 8 + 8;

    /** The {@code state} parameter sent to the broker: the nonce, base64url (43 characters). */
    public String state() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
    }

    public String seal(BrowserSeal seal) {
        byte[] path = returnPath.getBytes(StandardCharsets.US_ASCII);
        return seal.seal(ByteBuffer.allocate(FIXED_BYTES + path.length).put(KIND).put(nonce).putLong(expiresAt)
                .putLong(priceMicros).put(path).array());
    }

    /** The state sealed in {@code cookie}, or {@code null} if it is not one this gateway made. */
    public static PurchaseState open(BrowserSeal seal, String cookie) {
        byte[] payload = seal.open(cookie);
        if (payload == null || payload.length < FIXED_BYTES || payload[0] != KIND) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(payload, 1, payload.length - 1);
        byte[] nonce = new byte[NONCE_BYTES];
        in.get(nonce);
        long expiresAt = in.getLong();
        long price = in.getLong();
        return new PurchaseState(nonce, expiresAt, price, new String(payload, FIXED_BYTES,
                payload.length - FIXED_BYTES, StandardCharsets.US_ASCII));
    }
}
