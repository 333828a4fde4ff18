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
 * @param pass the id of the pass bought ({@link BrowserFlow#PASS_PATH}), {@code null} for the item; sealed as its
 *     own kind, so a state made before passes opens as ever
 */
public record PurchaseState(byte[] nonce, long expiresAt, long priceMicros, String returnPath, String pass) {

    private static final byte KIND = 'S';
    private static final byte PASS_KIND = 'P';
    static final int NONCE_BYTES = 32;
    private static final int FIXED_BYTES = 1 + NONCE_BYTES + 8 + 8;

    /** A purchase of the item. */
    public PurchaseState(byte[] nonce, long expiresAt, long priceMicros, String returnPath) {
        this(nonce, expiresAt, priceMicros, returnPath, null);
    }

    /** The {@code state} parameter sent to the broker: the nonce, base64url (43 characters). */
    public String state() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
    }

    public String seal(BrowserSeal seal) {
        byte[] path = returnPath.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + (pass == null ? 0 : 1 + pass.length()) + path.length)
                .put(pass == null ? KIND : PASS_KIND).put(nonce).putLong(expiresAt).putLong(priceMicros);
        if (pass != null) {
            BrowserSeal.putPass(out, pass);
        }
        return seal.seal(out.put(path).array());
    }

    /** The state sealed in {@code cookie}, or {@code null} if it is not one this gateway made. */
    public static PurchaseState open(BrowserSeal seal, String cookie) {
        byte[] payload = seal.open(cookie);
        if (payload == null || payload.length < FIXED_BYTES || (payload[0] != KIND && payload[0] != PASS_KIND)) {
            return null;
        }
        ByteBuffer in = ByteBuffer.wrap(payload, 1, payload.length - 1);
        byte[] nonce = new byte[NONCE_BYTES];
        in.get(nonce);
        long expiresAt = in.getLong();
        long price = in.getLong();
        int start = FIXED_BYTES;
        String pass = null;
        if (payload[0] == PASS_KIND) {
            pass = BrowserSeal.passAt(payload, start);
            if (pass == null) {
                return null;
            }
            start += 1 + pass.length();
        }
        return new PurchaseState(nonce, expiresAt, price, new String(payload, start, payload.length - start,
                StandardCharsets.US_ASCII), pass);
    }
}
