package dev.tollgate.gateway.browser;

import dev.tollgate.gateway.keys.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals what the browser flow keeps in the buyer's browser instead of in the gateway's memory (PROTOCOL.md section
 * 10): a sealed value is {@code base64url(payload) "." base64url(HMAC-SHA256(key, payload))}, so the browser carries
 * it and only this gateway can make one or change it.
 *
 * <p>The 256-bit key is generated at first start into {@code <data-dir>/browser-key} (owner-only, like the seller
 * key) rather than per process, so a purchase in progress survives a restart. Several gateway nodes behind one origin
 * share the file. Deleting it invalidates every value in flight: buyers then start again from the paywall, and scrip
 * the broker issued for those purchases is cancelled. Thread-safe.
 */
public final class BrowserSeal {

    static final String FILE_NAME = "browser-key";
    /** The longest sealed value {@link #open} reads: a return path of 2048 characters fits three times over. */
    static final int MAX_CHARS = 4096;

    private static final String ALGORITHM = "HmacSHA256";
    private static final int KEY_BYTES = 32;
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;

    BrowserSeal(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the browser key must be " + KEY_BYTES + " bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    /**
     * Reads the key from {@code dataDir}, or generates one there.
     *
     * @throws IllegalStateException if group or others may access the file, or it does not hold a key
     */
    public static BrowserSeal loadOrCreate(Path dataDir) throws IOException {
        return loadOrCreate(dataDir.resolve(FILE_NAME), "the browser key",
                "delete it (purchases in progress then start again)");
    }

    /** A seal with its own key, in {@code file}: for values no other seal's holder may mistake for its own. */
    static BrowserSeal loadOrCreate(Path file, String what, String whenDeleted) throws IOException {
        return new BrowserSeal(OwnerOnlyFiles.secretKey(file, KEY_BYTES, what, whenDeleted));
    }

    /** {@code payload} sealed: characters {@code A-Z a-z 0-9 - _ .} only, fit for a cookie or a form field. */
    String seal(byte[] payload) {
        return B64URL.encodeToString(payload) + '.' + B64URL.encodeToString(mac(payload));
    }

    /** The payload of a value this gateway sealed, or {@code null} for anything else (malformed, forged, too long). */
    byte[] open(String value) {
        if (value == null || value.length() > MAX_CHARS) {
            return null;
        }
        int dot = value.indexOf('.');
        if (dot < 0) {
            return null;
        }
        byte[] payload;
        byte[] tag;
        try {
            payload = Base64.getUrlDecoder().decode(value.substring(0, dot));
            tag = Base64.getUrlDecoder().decode(value.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        return MessageDigest.isEqual(tag, mac(payload)) ? payload : null;
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is missing from this JVM", e);
        }
    }

    /** The first 16 bytes of SHA-256 of {@code text}: names a path in a sealed value without carrying it. */
    static byte[] digest(String text) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)),
                    16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Writes a pass id as sealed states and allowances carry it: one length byte, then its ASCII (a config id). */
    static ByteBuffer putPass(ByteBuffer out, String pass) {
        byte[] id = pass.getBytes(StandardCharsets.US_ASCII);
        return out.put((byte) id.length).put(id);
    }

    /** The pass id {@link #putPass} wrote at {@code at} of {@code payload}, or {@code null} if none fits there. */
    static String passAt(byte[] payload, int at) {
        int length = payload.length > at ? payload[at] & 0xff : 0;
        return length < 1 || payload.length < at + 1 + length ? null
                : new String(payload, at + 1, length, StandardCharsets.US_ASCII);
    }
}
